// The metrics endpoint serves the Litestream-named metrics per database, and logs never carry secrets.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, formatTextLine } from '../../agent/logger.ts';
import { AgentMetrics, parseAddr, serveMetrics, type MetricsServer } from '../../agent/metrics.ts';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('metrics', () => {
  it('parses addr like Litestream', () => {
    expect(parseAddr(':9090')).toEqual({ host: undefined, port: 9090 });
    expect(parseAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseAddr('[::1]:9090')).toEqual({ host: '::1', port: 9090 });
    expect(() => parseAddr('9090')).toThrow(/addr "9090"/);
  });

  it('serves per-database metrics on /metrics', async () => {
    const metrics = new AgentMetrics();
    metrics.recordStats('/data/a.db', { txid: 7, dbSize: 8192, walSize: 4152, checkpoints: 2 });
    metrics.syncCount.inc({ db: '/data/a.db' });
    metrics.replicationLag.observe({ db: '/data/a.db' }, 0.012);
    metrics.replicaOperationBytes.inc({ db: '/data/a.db', operation: 'PUT' }, 1234);
    server = await serveMetrics(metrics, '127.0.0.1:0');
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/^litestream_db_size\{db="\/data\/a.db"\} 8192$/m);
    expect(body).toMatch(/^litestream_wal_size\{db="\/data\/a.db"\} 4152$/m);
    expect(body).toMatch(/^litestream_txid\{db="\/data\/a.db"\} 7$/m);
    expect(body).toMatch(/^litestream_checkpoint_count\{db="\/data\/a.db"\} 2$/m);
    expect(body).toMatch(/^litestream_sync_count\{db="\/data\/a.db"\} 1$/m);
    expect(body).toMatch(/^streambed_replication_lag_seconds_bucket\{le="0.025",db="\/data\/a.db"\} 1$/m);
    expect(body).toMatch(/^litestream_replica_operation_bytes\{db="\/data\/a.db",operation="PUT"\} 1234$/m);
    expect((await fetch(server.url.replace('/metrics', '/nope'))).status).toBe(404);
  });
});

describe('logger', () => {
  it('prints readable text lines and redacts secrets', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ level: 'info', type: 'text', destination: out, env: {} });
    log.info({ db: '/x.db', options: { secretAccessKey: 'SUPERSECRET', bucket: 'b' } }, 'replicating');
    log.debug('hidden');
    await new Promise((r) => setImmediate(r));
    const text = chunks.join('');
    expect(text).toMatch(/^\S+ INFO  replicating db=\/x.db options=/m);
    expect(text).not.toContain('SUPERSECRET');
    expect(text).not.toContain('hidden');
  });

  it('writes JSON with logging.type json and honours LOG_LEVEL', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ level: 'info', type: 'json', destination: out, env: { LOG_LEVEL: 'debug' } });
    log.debug({ txid: 3 }, 'uploaded');
    await new Promise((r) => setImmediate(r));
    const rec = JSON.parse(chunks.join('').trim()) as { msg: string; txid: number; level: number };
    expect(rec).toMatchObject({ msg: 'uploaded', txid: 3, level: 20 });
  });

  it('formats non-JSON input unchanged', () => {
    expect(formatTextLine('plain')).toBe('plain');
    expect(formatTextLine('{"time":"t","level":50,"msg":"x","err":{"message":"boom here"}}')).toBe('t ERROR x error="boom here"');
  });

  it('prints the reason of a failure whatever the shape of err', async () => {
    // The replicator logs err as a summary string: the text line must still carry it.
    expect(formatTextLine('{"time":"t","level":40,"msg":"sync failed; will retry","err":"ENOSPC: no space left on device","errors":1}'))
      .toBe('t WARN  sync failed; will retry errors=1 error="ENOSPC: no space left on device"');
    expect(formatTextLine('{"time":"t","level":40,"msg":"m","err":{"type":"TimeoutError","message":"no answer","stack":"..."}}')).toBe('t WARN  m error="TimeoutError: no answer"');
    expect(formatTextLine('{"time":"t","level":40,"msg":"m","err":{"code":"EACCES"}}')).toBe('t WARN  m error="{\\"code\\":\\"EACCES\\"}"');
    expect(formatTextLine('{"time":"t","level":40,"msg":"m","err":42}')).toBe('t WARN  m error=42');
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ level: 'info', type: 'text', destination: out, env: {} });
    log.warn({ err: new Error('disk full', { cause: new Error('ENOSPC') }) }, 'write failed');
    await new Promise((r) => setImmediate(r));
    expect(chunks.join('')).toMatch(/WARN  write failed error="disk full: ENOSPC"$/m);
  });
});
