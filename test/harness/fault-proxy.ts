// An HTTP proxy on 127.0.0.1 in front of a local S3 that injects S3 errors, connection resets and latency.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { seededRandom } from './prng.ts';
import { closeHttpServer, listenHttpLoopback } from './http-loopback.ts';

/** 'http-408' (a bare 408 as proxies and load balancers send) is only used when listed in `kinds`. */
export type FaultKind = 'internal-error' | 'slow-down' | 'reset' | 'http-408';

export interface FaultPlan {
  /** Fault every Nth request (N, 2N, …), cycling through `kinds` in order. */
  everyNth?: number;
  /** Fault each request with this probability, kind chosen at random; drawn from a PRNG seeded with `seed`. */
  probability?: number;
  /** Default: all three. */
  kinds?: readonly FaultKind[];
  /** Default 1. */
  seed?: number;
  /** Delay added before every request is handled. */
  latencyMs?: number;
  /** Only requests for which this returns true may be faulted (all may be delayed). */
  eligible?: (req: { method: string; url: string }) => boolean;
}

export interface FaultStats {
  requests: number;
  forwarded: number;
  faults: Record<FaultKind, number>;
  /** Requests per HTTP method, faulted or not. */
  byMethod: Record<string, number>;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use as the S3 endpoint. */
  url: string;
  stats: FaultStats;
  /** Change the plan of a running proxy (e.g. turn faults off for verification). */
  setPlan(plan: FaultPlan): void;
  stop(): Promise<void>;
}

const ALL_KINDS: readonly FaultKind[] = ['internal-error', 'slow-down', 'reset'];

function s3ErrorXml(code: string, message: string, resource: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message><Resource>${resource.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Resource>` +
    `<RequestId>FAULTPROXY${Date.now()}</RequestId></Error>`
  );
}

function makeChooser(plan: FaultPlan): (req: http.IncomingMessage, n: number) => FaultKind | undefined {
  const kinds = plan.kinds && plan.kinds.length > 0 ? plan.kinds : ALL_KINDS;
  const random = seededRandom(plan.seed ?? 1);
  let faultCount = 0;
  return (req, n) => {
    if (plan.eligible && !plan.eligible({ method: req.method ?? 'GET', url: req.url ?? '/' })) return undefined;
    if (plan.everyNth && plan.everyNth > 0 && n % plan.everyNth === 0) return kinds[faultCount++ % kinds.length];
    if (plan.probability && random() < plan.probability) return kinds[Math.floor(random() * kinds.length)];
    return undefined;
  };
}

async function drain(req: http.IncomingMessage): Promise<void> {
  for await (const chunk of req) void chunk;
}

async function injectFault(kind: FaultKind, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (kind === 'reset') {
    req.socket.resetAndDestroy();
    return;
  }
  await drain(req);
  if (kind === 'http-408') {
    res.writeHead(408, { 'content-type': 'text/plain', 'content-length': 15, connection: 'close' });
    res.end('Request Timeout');
    return;
  }
  const [status, code, message] =
    kind === 'slow-down' ? [503, 'SlowDown', 'Please reduce your request rate.'] : [500, 'InternalError', 'We encountered an internal error. Please try again.'];
  const body = s3ErrorXml(code, message, req.url ?? '/');
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function forward(target: URL, agent: http.Agent, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const upstream = http.request({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent,
  });
  const responded = new Promise<http.IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve);
    upstream.once('error', reject);
  });
  await pipeline(req, upstream);
  const upRes = await responded;
  res.writeHead(upRes.statusCode ?? 502, upRes.headers);
  await pipeline(upRes, res);
}

/** Starts the proxy on 127.0.0.1 (random port) forwarding to `target` (e.g. the local S3 endpoint). */
export async function startFaultProxy(target: string, faults: FaultPlan): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const stats: FaultStats = { requests: 0, forwarded: 0, faults: { 'internal-error': 0, 'slow-down': 0, reset: 0, 'http-408': 0 }, byMethod: {} };
  let plan = faults;
  let choose = makeChooser(plan);

  const server = http.createServer((req, res) => {
    stats.requests += 1;
    const method = req.method ?? 'GET';
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    const kind = choose(req, stats.requests);
    const handle = async (): Promise<void> => {
      if (plan.latencyMs) await new Promise((r) => setTimeout(r, plan.latencyMs));
      if (kind) {
        stats.faults[kind] += 1;
        await injectFault(kind, req, res);
        return;
      }
      stats.forwarded += 1;
      await forward(targetUrl, agent, req, res);
    };
    handle().catch(() => {
      // The client or upstream went away mid-request: drop the connection like a failing server would.
      req.socket.destroy();
    });
  });
  const url = await listenHttpLoopback(server);
  return {
    url,
    stats,
    setPlan(next) {
      plan = next;
      choose = makeChooser(plan);
    },
    async stop() {
      await closeHttpServer(server);
      agent.destroy();
    },
  };
}
