// Alarms (to one SNS topic) and a dashboard: dead letters, failed or throttled functions, verify problems, stale backups.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm, ComparisonOperator, Dashboard, GraphWidget, Metric, TreatMissingData, type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { METRICS_NAMESPACE, METRIC_NAMES, SERVICES } from '../functions/shared/metric-names.ts';
import type { StreambedFunction } from './function.ts';

export interface BackupAlarmsProps {
  functions: Record<string, StreambedFunction>;
  /** Queues where failed work waits: the compaction DLQ and the scheduled functions' failure destination. */
  deadLetterQueues: Record<string, IQueue>;
  compactionQueue: IQueue;
  /** Databases with their own stale-backup alarm. */
  databases: readonly string[];
  staleAfterMs: number;
  /** How often the sweep reports (its rate); undefined for a cron schedule. */
  sweepIntervalMs: number | undefined;
  alarmEmail?: string;
}

/** The period of the stale alarms: a few sweeps, so one late or skipped sweep is not an alarm by itself. */
export function stalePeriod(sweepIntervalMs: number | undefined): Duration {
  const minutes = Math.ceil(Math.max(15 * 60_000, 3 * (sweepIntervalMs ?? 0)) / 60_000);
  return Duration.minutes(Math.min(minutes, 24 * 60));
}

/** A construct id per database that stays put when the list is reordered. */
function alarmIdOf(db: string): string {
  return `${db.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}${createHash('sha256').update(db).digest('hex').slice(0, 6)}`;
}

function custom(service: string, name: string, statistic: string, period: Duration, dims: Record<string, string> = {}): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName: name, statistic, period, dimensionsMap: { service, ...dims } });
}

export class BackupAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: BackupAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'streambed alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const add = (aid: string, metric: IMetric, description: string, threshold: number, treat = TreatMissingData.NOT_BREACHING): void => {
      const alarm = new Alarm(this, aid, {
        metric,
        threshold,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: treat,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    const fiveMinutes = Duration.minutes(5);

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(`${name}NotEmpty`, queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        `${name}: failed work is waiting in ${queue.queueName}; see docs/deploy.md "Alarms"`, 1);
    }
    for (const [name, f] of Object.entries(props.functions)) {
      add(`${name}Errors`, f.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), `${name} function failed; its log group has the reason`, 1);
      add(`${name}Throttles`, f.fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), `${name} function was throttled`, 1);
    }
    add('VerifyProblems', custom(SERVICES.verify, METRIC_NAMES.verifyProblems, 'Maximum', Duration.hours(1)),
      'verification found problems in a replica (checksum, gap, missing file…); the verify log names database and key', 1);

    const period = stalePeriod(props.sweepIntervalMs);
    // Missing data means the sweep stopped reporting: that is as bad as a stale database (rate schedules only).
    add('StaleDatabases', custom(SERVICES.maintain, METRIC_NAMES.staleDatabases, 'Maximum', period),
      'a database has had no new L0 file for longer than staleAfter, or the sweep stopped reporting',
      1, props.sweepIntervalMs === undefined ? TreatMissingData.NOT_BREACHING : TreatMissingData.BREACHING);
    const staleSeconds = Math.round(props.staleAfterMs / 1000);
    props.databases.forEach((db) => {
      add(`Stale${alarmIdOf(db)}`, custom(SERVICES.maintain, METRIC_NAMES.backupAge, 'Maximum', period, { Database: db }),
        `database ${db}: no new L0 file for ${staleSeconds} s or more (its agent stopped replicating)`, staleSeconds);
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const fns = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Backup lag',
        left: [custom(SERVICES.maintain, METRIC_NAMES.staleDatabases, 'Maximum', fiveMinutes), ...props.databases.map((db) => custom(SERVICES.maintain, METRIC_NAMES.backupAge, 'Maximum', fiveMinutes, { Database: db }))],
        right: [props.compactionQueue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' })],
        width: 12,
      }),
      new GraphWidget({
        title: 'Compaction duration (ms)',
        left: fns.filter(([n]) => n === 'Compact' || n === 'Sweep').flatMap(([, f]) => [f.fn.metricDuration({ statistic: 'Average', period: fiveMinutes }), f.fn.metricDuration({ statistic: 'Maximum', period: fiveMinutes })]),
        width: 12,
      }),
      new GraphWidget({
        title: 'Errors',
        left: fns.map(([, f]) => f.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' })),
        right: [...Object.values(props.deadLetterQueues).map((q) => q.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' })), custom(SERVICES.verify, METRIC_NAMES.verifyProblems, 'Maximum', Duration.hours(1))],
        width: 12,
      }),
      new GraphWidget({
        title: 'Restore runs',
        left: fns.filter(([n]) => n === 'Restore').flatMap(([, f]) => [f.fn.metricInvocations({ period: Duration.hours(1), statistic: 'Sum' }), f.fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' })]),
        right: fns.filter(([n]) => n === 'Restore').map(([, f]) => f.fn.metricDuration({ statistic: 'Maximum', period: Duration.hours(1) })),
        width: 12,
      }),
    );
  }
}
