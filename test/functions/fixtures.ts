// Test helpers for the Lambda handlers: a real SQLite history as L0 files, SQS/scheduled event shapes, quiet Powertools.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Event, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import type { LtxPage } from '../../core/ltx/types.ts';
import type { ReplicaClient } from '../../core/replica/client.ts';
import type { Observability } from '../../functions/shared/powertools.ts';

export interface History {
  /** The database file after TXID n is states[n - 1]. */
  states: Buffer[];
  /** L0 file of TXID n is l0[n - 1]. */
  l0: Uint8Array[];
}

/** `steps` write transactions on a 1 KiB-page rollback-journal database; each becomes one L0 file of changed pages. */
export async function makeHistory(dir: string, steps: number, seed = 1): Promise<History> {
  const path = join(dir, `source-${randomUUID()}.db`);
  const db = new Database(path);
  const history: History = { states: [], l0: [] };
  let previous: Buffer[] = [];
  const record = async (): Promise<void> => {
    const file = await readFile(path);
    const pageSize = file.readUInt16BE(16);
    const changed: LtxPage[] = [];
    const pages: Buffer[] = [];
    for (let off = 0, pgno = 1; off + pageSize <= file.length; off += pageSize, pgno++) {
      const data = file.subarray(off, off + pageSize);
      pages.push(data);
      if (!previous[pgno - 1]?.equals(data)) changed.push({ pgno, data });
    }
    const txid = history.states.length + 1;
    const header = newHeader({ pageSize, commit: pages.length, minTXID: txid, maxTXID: txid, timestamp: Date.UTC(2026, 0, 1) + txid * 1000 });
    history.l0.push(await encodeLtxToBuffer(header, changed));
    history.states.push(file);
    previous = pages;
  };
  try {
    db.pragma('page_size = 1024');
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await record();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let step = 2; step <= steps; step++) {
      if (step % 5 === 0) db.prepare('DELETE FROM t WHERE id % 3 = ?').run(step % 3);
      else for (let r = 0; r < 1 + ((step * seed) % 7); r++) insert.run(`row-${seed}-${step}-${r}-${'x'.repeat((step * 37 * seed) % 300)}`);
      await record();
    }
  } finally {
    db.close();
  }
  return history;
}

/** Uploads L0 files of TXIDs from..to through the replica client (as the agent does). */
export async function writeL0(client: ReplicaClient, history: History, from: number, to: number): Promise<string[]> {
  const names: string[] = [];
  for (let txid = from; txid <= to; txid++) {
    await client.writeLtxFile({ level: 0, minTXID: txid, maxTXID: txid }, history.l0[txid - 1]);
    names.push(`${txid.toString(16).padStart(16, '0')}-${txid.toString(16).padStart(16, '0')}.ltx`);
  }
  return names;
}

/** One SQS record carrying `body` (an S3 notification), as the SQS event source delivers it. */
export function sqsRecord(body: S3Event | Record<string, unknown>, messageId: string = randomUUID()): SQSRecord {
  const text = JSON.stringify(body);
  return {
    messageId,
    receiptHandle: `AQEB${messageId}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:streambed-compaction',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** The EventBridge scheduled-rule event shape. */
export function scheduledEvent(rule = 'streambed-schedule'): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:123456789012:rule/${rule}`],
    detail: {},
  };
}

/** Real Powertools objects; with POWERTOOLS_DEV=true (set by the tests) they write through the global console. */
export function testObservability(logLevel: 'SILENT' | 'INFO' | 'WARN' = 'SILENT'): Observability {
  return {
    logger: new Logger({ serviceName: 'streambed-test', logLevel }),
    metrics: new Metrics({ namespace: 'StreambedTest', serviceName: 'streambed-test' }),
  };
}
