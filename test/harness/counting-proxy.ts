// A metering HTTP proxy on 127.0.0.1 in front of a local S3: counts every request by S3 operation and the bytes each way.
import http from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { closeHttpServer, listenHttpLoopback } from './http-loopback.ts';

/** S3 operations as they are billed: LIST, PUT/COPY/POST (class A), GET/HEAD (class B), DELETE (free). */
export type S3OpKind = 'LIST' | 'GET' | 'HEAD' | 'PUT' | 'COPY' | 'POST' | 'DELETE' | 'OTHER';

export interface MeterCounts {
  requests: Record<S3OpKind, number>;
  /** Request body bytes of PUT/POST (uploads). */
  bytesUp: number;
  /** Response body bytes of GET. */
  bytesDown: number;
  /** Uploaded bytes by key prefix class: `l0` for keys with a `/0000/` level folder, `other` for the rest. */
  bytesUpByClass: { l0: number; other: number };
  /** L0 files written: single PUTs and multipart uploads started under a `/0000/` level folder. */
  l0Files: number;
}

export interface MeteringProxy {
  url: string;
  /** Counts since start (a copy). */
  snapshot(): MeterCounts;
  stop(): Promise<void>;
}

/** Requests-only price per request at S3 Standard (us-east-1): class A $0.005/1000, class B $0.0004/1000. */
export const S3_STANDARD_PRICE: Record<S3OpKind, number> = {
  LIST: 0.005 / 1000, PUT: 0.005 / 1000, COPY: 0.005 / 1000, POST: 0.005 / 1000,
  GET: 0.0004 / 1000, HEAD: 0.0004 / 1000, DELETE: 0, OTHER: 0.0004 / 1000,
};

export function emptyCounts(): MeterCounts {
  return {
    requests: { LIST: 0, GET: 0, HEAD: 0, PUT: 0, COPY: 0, POST: 0, DELETE: 0, OTHER: 0 },
    bytesUp: 0, bytesDown: 0, bytesUpByClass: { l0: 0, other: 0 }, l0Files: 0,
  };
}

export function diffCounts(later: MeterCounts, earlier: MeterCounts): MeterCounts {
  const out = emptyCounts();
  for (const k of Object.keys(out.requests) as S3OpKind[]) out.requests[k] = later.requests[k] - earlier.requests[k];
  out.bytesUp = later.bytesUp - earlier.bytesUp;
  out.bytesDown = later.bytesDown - earlier.bytesDown;
  out.bytesUpByClass = { l0: later.bytesUpByClass.l0 - earlier.bytesUpByClass.l0, other: later.bytesUpByClass.other - earlier.bytesUpByClass.other };
  out.l0Files = later.l0Files - earlier.l0Files;
  return out;
}

export function totalRequests(c: MeterCounts): number {
  return Object.values(c.requests).reduce((a, b) => a + b, 0);
}

/** Requests-only dollars for these counts. */
export function requestCost(c: MeterCounts): number {
  return (Object.keys(c.requests) as S3OpKind[]).reduce((sum, k) => sum + c.requests[k] * S3_STANDARD_PRICE[k], 0);
}

/** Path-style URL `/<bucket>[/<key>][?query]` → the billed operation. */
export function classify(method: string, url: string, headers: http.IncomingHttpHeaders): S3OpKind {
  const u = new URL(url, 'http://x');
  const key = u.pathname.split('/').slice(2).join('/');
  if (method === 'GET') return key === '' ? 'LIST' : 'GET';
  if (method === 'HEAD') return 'HEAD';
  if (method === 'PUT') return headers['x-amz-copy-source'] ? 'COPY' : 'PUT';
  if (method === 'POST') return u.searchParams.has('delete') ? 'DELETE' : 'POST';
  if (method === 'DELETE') return 'DELETE';
  return 'OTHER';
}

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

/** Starts the proxy on 127.0.0.1 (random port) forwarding every request to `target`. */
export async function startMeteringProxy(target: string): Promise<MeteringProxy> {
  const targetUrl = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const counts = emptyCounts();
  const server = http.createServer((req, res) => {
    const kind = classify(req.method ?? 'GET', req.url ?? '/', req.headers);
    counts.requests[kind] += 1;
    const upClass = /\/0000\//.test(req.url ?? '') ? 'l0' : 'other';
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    if (upClass === 'l0' && ((kind === 'PUT' && !query.has('partNumber')) || (kind === 'POST' && query.has('uploads')))) counts.l0Files += 1;
    const upstream = http.request({ host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers, agent });
    const responded = new Promise<http.IncomingMessage>((resolve, reject) => {
      upstream.once('response', resolve);
      upstream.once('error', reject);
    });
    const run = async (): Promise<void> => {
      await pipeline(req, counter((n) => {
        if (kind === 'PUT' || kind === 'POST') {
          counts.bytesUp += n;
          counts.bytesUpByClass[upClass] += n;
        }
      }), upstream);
      const upRes = await responded;
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      await pipeline(upRes, counter((n) => {
        if (kind === 'GET') counts.bytesDown += n;
      }), res);
    };
    run().catch(() => req.socket.destroy());
  });
  const url = await listenHttpLoopback(server);
  return {
    url,
    snapshot: () => structuredClone(counts),
    async stop() {
      await closeHttpServer(server);
      agent.destroy();
    },
  };
}
