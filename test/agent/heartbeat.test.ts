// heartbeat-url: a GET at most once per interval while every database is ready, against a real loopback server.
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { Heartbeat } from '../../agent/heartbeat.ts';
import type { Logger } from '../../core/log/logger.ts';
import { closeHttpServer, listenHttpLoopback } from '../harness/http-loopback.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { agentConfig, createDb, dbIn } from './replicator-helpers.ts';

const tempDir = useTempDirs();
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeHttpServer));
});

/** A loopback server that records every request and answers with `status()`. */
async function pingServer(status: () => number = () => 200): Promise<{ url: string; requests: Array<{ method: string; url: string }> }> {
  const requests: Array<{ method: string; url: string }> = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    res.writeHead(status()).end('OK');
  });
  servers.push(server);
  return { url: `${await listenHttpLoopback(server)}/ping/2f1c-token`, requests };
}

function recordingLogger(): Logger & { warnings: Array<{ obj: object; msg?: string }> } {
  const warnings: Array<{ obj: object; msg?: string }> = [];
  const ignore = (): void => undefined;
  return { warnings, debug: ignore, info: ignore, error: ignore, warn: (obj, msg) => void warnings.push({ obj, msg }) };
}

describe('Heartbeat', () => {
  it('pings with a GET when healthy, then not again until the interval has passed', async () => {
    const { url, requests } = await pingServer();
    let now = 1_000_000;
    let healthy = true;
    const heartbeat = new Heartbeat({ url, intervalMs: 60_000, healthy: () => healthy, logger: recordingLogger(), now: () => now });
    expect(await heartbeat.check()).toBe(true);
    expect(requests).toEqual([{ method: 'GET', url: '/ping/2f1c-token' }]);

    now += 59_999;
    expect(await heartbeat.check()).toBe(false);
    now += 1;
    healthy = false;
    expect(await heartbeat.check()).toBe(false);
    expect(requests).toHaveLength(1);
    healthy = true;
    expect(await heartbeat.check()).toBe(true);
    expect(requests).toHaveLength(2);
    await heartbeat.stop();
  });

  it('logs a failed ping (status or unreachable) without the URL path, and waits a whole interval before retrying', async () => {
    const { url, requests } = await pingServer(() => 503);
    let now = 0;
    const logger = recordingLogger();
    const heartbeat = new Heartbeat({ url, intervalMs: 60_000, healthy: () => true, logger, now: () => now });
    expect(await heartbeat.check()).toBe(false);
    expect(await heartbeat.check()).toBe(false);
    expect(requests).toHaveLength(1);
    expect(logger.warnings[0]).toMatchObject({ obj: { status: 503 }, msg: 'heartbeat ping failed: unexpected status' });
    expect(JSON.stringify(logger.warnings)).not.toContain('token');

    const closed = new Heartbeat({ url: 'http://127.0.0.1:9/ping', intervalMs: 60_000, healthy: () => true, logger, now: () => now });
    expect(await closed.check()).toBe(false);
    expect(logger.warnings[1]).toMatchObject({ obj: { host: '127.0.0.1:9' }, msg: 'heartbeat ping failed' });
    await Promise.all([heartbeat.stop(), closed.stop()]);
  });
});

describe('Agent heartbeat', () => {
  it('is started from heartbeat-url and pings while the databases are ready', async () => {
    const dir = await tempDir('agent-heartbeat');
    const path = dbIn(dir);
    createDb(path);
    const { url, requests } = await pingServer();
    const config = agentConfig([{ path, replica: { type: 'file', path: join(dir, 'replica') } }], { heartbeatUrl: url, heartbeatInterval: 60_000 });
    const agent = new Agent(config, { maintenanceInWorker: false });
    await agent.start();
    try {
      expect(agent.heartbeat?.url).toBe(url);
      expect(agent.readiness().ready).toBe(true);
      expect(await agent.heartbeat!.check()).toBe(true);
      expect(requests).toEqual([{ method: 'GET', url: '/ping/2f1c-token' }]);
    } finally {
      await agent.stop();
    }
    expect(agent.heartbeat).toBeUndefined();

    const quiet = new Agent(agentConfig([{ path, replica: { type: 'file', path: join(dir, 'replica') } }]), { maintenanceInWorker: false });
    await quiet.start();
    expect(quiet.heartbeat).toBeUndefined();
    await quiet.stop();
  });
});
