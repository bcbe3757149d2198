// Every synthesized alarm fires: its metric, driven past the threshold (by the real handlers where the metric is
// ours), puts the alarm definition from the template into ALARM, and a healthy series leaves it OK.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { createMaintainHandler } from '../../functions/maintain/handler.ts';
import { createObservability } from '../../functions/shared/powertools.ts';
import { createVerifyHandler } from '../../functions/verify/handler.ts';
import { StreambedBackup } from '../../infra/index.ts';
import { makeHistory, scheduledEvent, writeL0 } from '../functions/fixtures.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { alarmState, datapointsFromEmf, type AlarmProps, type Datapoint } from './alarm-eval.ts';
import { TEST_ENV, newApp, templateOf } from './synth.ts';
import { startLambdaLocalS3, stopLambdaLocalS3 } from '../harness/lambda-env.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
let template: Template;
let alarms: Map<string, AlarmProps>;
const covered = new Set<string>();

beforeAll(async () => {
  const app = newApp(true);
  const stack = new Stack(app, 'Alarms', { env: TEST_ENV });
  new StreambedBackup(stack, 'Backup', { databases: ['quiet.db', 'other.db'], staleAfter: '15m', alarmEmail: 'ops@example.com' });
  template = templateOf(app, stack);
  alarms = new Map(Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, r]) => [id, r.Properties as AlarmProps]));
  s3 = await startLambdaLocalS3();
});
afterAll(async () => {
  await stopLambdaLocalS3(s3);
});

function alarm(prefix: string): AlarmProps {
  const found = [...alarms.entries()].filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one alarm ${prefix}…, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  covered.add(found[0][0]);
  return found[0][1];
}

/** A Lambda or SQS metric as AWS publishes it, naming the resource by logical ID (see alarm-eval.ts). */
function awsPoint(namespace: string, metricName: string, dimension: string, logicalIdPrefix: string, value: number, timestamp: number): Datapoint {
  const types: Record<string, string> = { 'AWS/Lambda': 'AWS::Lambda::Function', 'AWS/SQS': 'AWS::SQS::Queue' };
  const ids = Object.keys(template.findResources(types[namespace])).filter((id) => id.startsWith(logicalIdPrefix));
  if (ids.length !== 1) throw new Error(`expected one ${types[namespace]} ${logicalIdPrefix}…, found ${ids.join(', ')}`);
  return { namespace, metricName, dimensions: { [dimension]: ids[0] }, timestamp, value };
}

/** Runs `fn` with Powertools metrics on, and returns the EMF datapoints it printed. */
async function emfOf(fn: () => Promise<unknown>): Promise<Datapoint[]> {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const quiet = ['info', 'warn', 'error', 'debug'].map((m) => vi.spyOn(console, m as 'info').mockImplementation(() => undefined));
  try {
    await fn().catch(() => undefined);
    return datapointsFromEmf(log.mock.calls.map((c) => String(c[0])));
  } finally {
    log.mockRestore();
    for (const q of quiet) q.mockRestore();
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  }
}

describe('alarms fire when their metric crosses the threshold', () => {
  it('function errors and throttles: one is enough', () => {
    const now = Date.now();
    for (const [name, fn] of [['Compact', 'BackupCompactionCompactFunction'], ['Sweep', 'BackupCompactionSweepFunction'], ['Retention', 'BackupChecksRetentionFunction'], ['Verify', 'BackupChecksVerifyFunction'], ['Restore', 'BackupRestoreFunction']]) {
      for (const metric of ['Errors', 'Throttles']) {
        const a = alarm(`BackupAlarms${name}${metric}`);
        expect(alarmState(a, [awsPoint('AWS/Lambda', metric, 'FunctionName', fn, 1, now - 60_000)], now)).toBe('ALARM');
        expect(alarmState(a, [awsPoint('AWS/Lambda', metric, 'FunctionName', fn, 0, now - 60_000)], now)).toBe('OK');
        // Another function's errors do not count.
        expect(alarmState(a, [awsPoint('AWS/Lambda', metric, 'FunctionName', fn === 'BackupRestoreFunction' ? 'BackupChecksVerifyFunction' : 'BackupRestoreFunction', 5, now - 60_000)], now)).toBe('OK');
      }
    }
  });

  it('dead-letter and failure queues: one waiting message', () => {
    const now = Date.now();
    for (const [name, queue] of [['CompactionDLQ', 'BackupCompactionDeadLetterQueue'], ['AsyncFailures', 'BackupAsyncFailureQueue']]) {
      const a = alarm(`BackupAlarms${name}NotEmpty`);
      expect(alarmState(a, [awsPoint('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queue, 1, now - 60_000)], now)).toBe('ALARM');
      expect(alarmState(a, [awsPoint('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queue, 0, now - 60_000)], now)).toBe('OK');
    }
  });

  it('verify problems, from the real verify handler finding a corrupt file', async () => {
    const bucket = await s3.createBucket();
    const client = new S3ReplicaClient(s3.s3Options(bucket, 'quiet.db'));
    const history = await makeHistory(await tempDir('alarm-verify'), 3, 2);
    await writeL0(client, history, 1, 3);
    const env = { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', BUCKET_NAME: bucket };
    const a = alarm('BackupAlarmsVerifyProblems');
    const healthy = await emfOf(() => createVerifyHandler({ env, observability: createObservability('streambed-verify') })(scheduledEvent('verify')));
    expect(alarmState(a, healthy, Date.now() + 1000)).toBe('OK');
    const broken = Buffer.from(history.l0[1]);
    broken[broken.length - 30] ^= 0x55;
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'quiet.db/0000/0000000000000002-0000000000000002.ltx', Body: broken }));
    const found = await emfOf(() => createVerifyHandler({ env, observability: createObservability('streambed-verify') })(scheduledEvent('verify')));
    expect(alarmState(a, found, Date.now() + 1000)).toBe('ALARM');
  });

  it('stale backups, from the real sweep: per database while late, the aggregate also when the sweep goes silent', async () => {
    const bucket = await s3.createBucket();
    const history = await makeHistory(await tempDir('alarm-stale'), 3, 3);
    await writeL0(new S3ReplicaClient(s3.s3Options(bucket, 'quiet.db')), history, 1, 3);
    const env = { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', BUCKET_NAME: bucket, DB_PATHS: 'quiet.db', STALE_AFTER: '15m', LEVELS: '30s' };
    const sweep = (offsetMs: number): Promise<Datapoint[]> =>
      emfOf(() => createMaintainHandler({ env, observability: createObservability('streambed-maintain'), now: () => new Date(Date.now() + offsetMs) })(scheduledEvent('sweep')));
    const aggregate = alarm('BackupAlarmsStaleDatabases');
    const quiet = alarm('BackupAlarmsStalequietdb');
    const other = alarm('BackupAlarmsStaleotherdb');

    const fresh = await sweep(0);
    expect(fresh.some((p) => p.metricName === 'BackupAgeSeconds')).toBe(false);
    expect([alarmState(aggregate, fresh, Date.now() + 1000), alarmState(quiet, fresh, Date.now() + 1000)]).toEqual(['OK', 'OK']);

    // 20 minutes without a new L0 file.
    const late = await sweep(20 * 60_000);
    expect(late.find((p) => p.metricName === 'BackupAgeSeconds')?.dimensions).toEqual({ service: 'streambed-maintain', Database: 'quiet.db' });
    expect(alarmState(aggregate, late, Date.now() + 1000)).toBe('ALARM');
    expect(alarmState(quiet, late, Date.now() + 1000)).toBe('ALARM');
    expect(alarmState(other, late, Date.now() + 1000)).toBe('OK');

    // No report at all for a whole period: the sweep itself stopped.
    expect(alarmState(aggregate, [], Date.now())).toBe('ALARM');
  });

  it('every alarm in the template was driven above, and each notifies the topic', () => {
    expect([...covered].sort()).toEqual([...alarms.keys()].sort());
    expect(alarms.size).toBe(16);
    for (const a of alarms.values()) expect(JSON.stringify((a as unknown as { AlarmActions: unknown }).AlarmActions)).toContain('BackupAlarmsTopic');
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
