// Lateness (the one owner of "changes wait unreplicated"), the failure log's pacing, and /healthz, /readyz, /metrics.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FailureLog } from '../../agent/failure-log.ts';
import { readinessOf } from '../../agent/health.ts';
import { Lateness, lateAfterMs } from '../../agent/lateness.ts';
import { createLogger } from '../../agent/logger.ts';
import { AgentMetrics, serveMetrics, type MetricsServer } from '../../agent/metrics.ts';

const T0 = 1_800_000_000_000;

describe('Lateness', () => {
  it('is late after 5 sync intervals, never sooner than a minute', () => {
    expect(lateAfterMs(1000)).toBe(60_000);
    expect(lateAfterMs(0)).toBe(60_000);
    expect(lateAfterMs(30_000)).toBe(150_000);
  });

  it('never counts an idle database as waiting, however old its last upload', () => {
    const l = new Lateness(60_000);
    l.fileWritten(1, T0);
    l.acknowledged(1, T0 + 50);
    expect(l.report(T0 + 3_600_000)).toMatchObject({ waitingMs: 0, late: false, replicaTXID: 1, lastUploadAt: T0 + 50 });
  });

  it('measures from the oldest unacknowledged change, and forgets what the replica acknowledged', () => {
    const l = new Lateness(60_000);
    l.fileWritten(1, T0);
    l.fileWritten(2, T0 + 10_000);
    expect(l.report(T0 + 59_999)).toMatchObject({ waitingMs: 59_999, late: false, waitingSince: T0 });
    expect(l.report(T0 + 60_000)).toMatchObject({ late: true });
    l.acknowledged(1, T0 + 61_000);
    expect(l.report(T0 + 61_000)).toMatchObject({ waitingMs: 51_000, late: false, waitingSince: T0 + 10_000 });
    l.acknowledged(2, T0 + 62_000);
    expect(l.report(T0 + 62_000).waitingMs).toBe(0);
  });

  it('counts WAL changes no sync captured, and carries their time into the file that captures them', () => {
    const l = new Lateness(60_000);
    l.walChanged(T0);
    l.walChanged(T0 + 5000);
    expect(l.report(T0 + 70_000)).toMatchObject({ waitingSince: T0, late: true });
    // The sync that finally works sees the changes "now"; they have waited since T0 all the same.
    l.fileWritten(3, T0 + 69_000);
    l.walSynced();
    expect(l.report(T0 + 70_000)).toMatchObject({ waitingSince: T0, late: true });
    l.acknowledged(3, T0 + 70_500);
    expect(l.report(T0 + 70_500)).toMatchObject({ waitingMs: 0, late: false });
  });

  it('counts local files found beyond the replica from when they were found', () => {
    const l = new Lateness(60_000);
    l.acknowledged(4);
    l.fileFound(5, T0);
    l.fileFound(5, T0 + 1000);
    expect(l.report(T0 + 2000)).toMatchObject({ waitingSince: T0, replicaTXID: 4, lastUploadAt: undefined });
  });
});

describe('FailureLog', () => {
  function capture(): { log: FailureLog; lines: Array<Record<string, unknown>> } {
    const out = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    out.on('data', (c: Buffer) => {
      for (const l of c.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    return { log: new FailureLog(createLogger({ type: 'json', level: 'debug', destination: out, env: {} }), 60_000), lines };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('logs a reason at once, its repeats quietly, and again loudly each minute with the count', async () => {
    const { log, lines } = capture();
    for (let s = 0; s <= 130; s += 5) log.failed('upload failed', 'TimeoutError: no answer', { retryInMs: 4000 }, false, T0 + s * 1000);
    await tick();
    const loud = lines.filter((l) => (l.level as number) >= 40);
    expect(loud.map((l) => l.errors)).toEqual([1, 13, 25]);
    expect(loud[0]).toMatchObject({ err: 'TimeoutError: no answer', retryInMs: 4000, msg: 'upload failed' });
    expect(loud[0].repeatedSinceLastLine).toBeUndefined();
    expect(loud[1]).toMatchObject({ repeatedSinceLastLine: 11, failingForS: 60 });
    expect(lines.filter((l) => l.level === 20)).toHaveLength(24);
  });

  it('logs a new reason at once, at ERROR when late, and does not let two alternating reasons flood the log', async () => {
    const { log, lines } = capture();
    log.failed('x', 'A', {}, false, T0);
    log.failed('x', 'B', {}, true, T0 + 1000);
    for (let i = 2; i < 20; i++) log.failed('x', i % 2 ? 'B' : 'A', {}, true, T0 + i * 1000);
    await tick();
    const loud = lines.filter((l) => (l.level as number) >= 40);
    expect(loud.map((l) => [l.level, l.err])).toEqual([[40, 'A'], [50, 'B']]);
    expect(log.recovered(T0 + 30_000)).toEqual({ failures: 20, downMs: 30_000, reason: 'B' });
    expect(log.failures).toBe(0);
  });
});

describe('health endpoints', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /healthz 200, /readyz 200 for idle databases and 503 naming a late one, and serves the lateness gauges', async () => {
    const metrics = new AgentMetrics();
    const idle = new Lateness(60_000);
    idle.acknowledged(7, Date.now() - 3_600_000);
    const late = new Lateness(60_000);
    late.acknowledged(0x12);
    late.fileWritten(0x13, Date.now() - 90_000);
    let dbs = [{ db: '/data/idle.db', lateness: idle }];
    metrics.trackLateness('/data/idle.db', () => idle.report());
    metrics.trackLateness('/data/late.db', () => late.report());
    metrics.lastUpload.set({ db: '/data/idle.db' }, 1_800_000_000);
    server = await serveMetrics(metrics, '127.0.0.1:0', () => dbs.map((d) => ({ db: d.db, lateness: d.lateness.report() })));
    const base = server.url.replace(/\/metrics$/, '');

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/`)).status).toBe(200);

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toBe('application/json');
    expect(await ready.json()).toMatchObject({ ready: true, late: [], databases: [{ db: '/data/idle.db', ready: true, waitingSeconds: 0, replicaTXID: '0000000000000007' }] });

    dbs = [...dbs, { db: '/data/late.db', lateness: late }];
    const notReady = await fetch(`${base}/readyz?verbose=1`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { ready: boolean; late: string[]; databases: Array<Record<string, unknown>> };
    expect(body).toMatchObject({ ready: false, late: ['/data/late.db'] });
    expect(body.databases[1]).toMatchObject({ db: '/data/late.db', ready: false, lateAfterSeconds: 60, replicaTXID: '0000000000000012' });
    expect(body.databases[1].waitingSeconds).toBeGreaterThanOrEqual(90);
    expect(Date.parse(String(body.databases[1].waitingSince))).toBeLessThan(Date.now() - 89_000);

    const text = await (await fetch(server.url)).text();
    expect(text).toMatch(/^streambed_unreplicated_seconds\{db="\/data\/idle.db"\} 0$/m);
    const waited = Number(/^streambed_unreplicated_seconds\{db="\/data\/late.db"\} ([\d.]+)$/m.exec(text)?.[1]);
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(text).toMatch(/^streambed_last_upload_timestamp_seconds\{db="\/data\/idle.db"\} 1800000000$/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('builds the readiness answer from lateness reports alone', () => {
    const l = new Lateness(60_000);
    expect(readinessOf([{ db: '/a.db', lateness: l.report() }])).toEqual({
      ready: true, late: [], databases: [{ db: '/a.db', ready: true, waitingSeconds: 0, lateAfterSeconds: 60, waitingSince: undefined, replicaTXID: undefined, lastUploadAt: undefined }],
    });
  });
});
