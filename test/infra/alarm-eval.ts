// Test helper: evaluates a synthesized CloudWatch alarm (statistic, period, threshold, comparison, missing data)
// against a series of datapoints, the way CloudWatch decides ALARM / OK / INSUFFICIENT_DATA.

export interface Datapoint {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** ms since the epoch */
  timestamp: number;
  value: number;
}

export interface AlarmProps {
  Namespace: string;
  MetricName: string;
  Dimensions?: Array<{ Name: string; Value: unknown }>;
  Statistic: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
}

/** `{Ref: X}` and `{Fn::GetAtt: [X, attr]}` become X: tests name AWS resources by logical ID. */
export function dimensionValue(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: string[] };
  if (v.Ref) return v.Ref;
  if (v['Fn::GetAtt']) return v['Fn::GetAtt'][0];
  throw new Error(`unsupported dimension value ${JSON.stringify(value)}`);
}

function matches(alarm: AlarmProps, p: Datapoint): boolean {
  if (p.namespace !== alarm.Namespace || p.metricName !== alarm.MetricName) return false;
  const want = Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name, dimensionValue(d.Value)]));
  const keys = Object.keys(want);
  // CloudWatch matches a metric by its exact dimension set.
  return keys.length === Object.keys(p.dimensions).length && keys.every((k) => p.dimensions[k] === want[k]);
}

function aggregate(statistic: string, values: number[]): number {
  switch (statistic) {
    case 'Sum': return values.reduce((a, b) => a + b, 0);
    case 'Maximum': return Math.max(...values);
    case 'Minimum': return Math.min(...values);
    case 'Average': return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount': return values.length;
    default: throw new Error(`unsupported statistic ${statistic}`);
  }
}

function breaches(op: string, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'GreaterThanThreshold': return value > threshold;
    case 'LessThanThreshold': return value < threshold;
    case 'LessThanOrEqualToThreshold': return value <= threshold;
    default: throw new Error(`unsupported comparison ${op}`);
  }
}

/** The alarm's state at `at` (ms), looking back EvaluationPeriods periods. */
export function alarmState(alarm: AlarmProps, series: readonly Datapoint[], at: number): 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' {
  const period = alarm.Period * 1000;
  const points = series.filter((p) => matches(alarm, p));
  let breaching = 0;
  let present = 0;
  for (let k = 0; k < alarm.EvaluationPeriods; k++) {
    const end = at - k * period;
    const values = points.filter((p) => p.timestamp >= end - period && p.timestamp < end).map((p) => p.value);
    if (values.length === 0) {
      if (alarm.TreatMissingData === 'breaching') breaching++, present++;
      else if (alarm.TreatMissingData === 'notBreaching') present++;
      continue;
    }
    present++;
    if (breaches(alarm.ComparisonOperator, aggregate(alarm.Statistic, values), alarm.Threshold)) breaching++;
  }
  if (breaching >= (alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods)) return 'ALARM';
  return present === 0 ? 'INSUFFICIENT_DATA' : 'OK';
}

/** Datapoints from Powertools' EMF log lines (what CloudWatch extracts from the function's log). */
export function datapointsFromEmf(lines: readonly string[]): Datapoint[] {
  const out: Datapoint[] = [];
  for (const line of lines) {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const aws = m._aws as { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } | undefined;
    if (!aws) continue;
    for (const directive of aws.CloudWatchMetrics) {
      for (const dims of directive.Dimensions) {
        for (const metric of directive.Metrics) {
          const raw = m[metric.Name];
          for (const value of Array.isArray(raw) ? raw : [raw]) {
            out.push({
              namespace: directive.Namespace, metricName: metric.Name, timestamp: aws.Timestamp, value: Number(value),
              dimensions: Object.fromEntries(dims.map((d) => [d, String(m[d])])),
            });
          }
        }
      }
    }
  }
  return out;
}
