// A TCP proxy on 127.0.0.1 in front of a local S3 that can turn into a black hole or stall response bodies, and back.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * - forward: bytes flow both ways.
 * - blackhole: connections are accepted and nothing flows any more, on new and existing connections alike
 *   (an endpoint that accepts and never answers, or a network that silently drops everything).
 * - stall-body: new connections get each response's headers and its first body byte, then nothing (only responses
 *   to requests whose request line `stallWhen` accepts, when given).
 */
export type StallMode = 'forward' | 'blackhole' | 'stall-body';

export interface StallProxy {
  /** `http://127.0.0.1:<port>`: use as the S3 endpoint. */
  url: string;
  mode: StallMode;
  /** Connections accepted so far. */
  readonly connections: number;
  /**
   * Changes the mode. `dropStalled` closes every connection that is silent now (as a restarted endpoint would);
   * without it they stay silent, like connections to a server that hung.
   */
  setMode(mode: StallMode, options?: { dropStalled?: boolean }): void;
  stop(): Promise<void>;
}

interface Conn {
  client: net.Socket;
  upstream: net.Socket;
  silent: boolean;
  stallBody: boolean;
  /** stall-body: bytes of the current response's header seen so far (to find its end). */
  head: string;
  /** The newest request line sent on this connection (HTTP/1.1 answers in order, one request at a time here). */
  requestLine: string;
}

const REQUEST_START = /^(GET|PUT|POST|HEAD|DELETE) \S+/;

/** Starts the proxy in front of `target` (e.g. the local S3 endpoint) in `mode`. */
export async function startStallProxy(
  target: string,
  mode: StallMode = 'forward',
  options: { stallWhen?: (requestLine: string) => boolean } = {},
): Promise<StallProxy> {
  const { hostname, port } = new URL(target);
  const conns = new Set<Conn>();
  let accepted = 0;
  const proxy: StallProxy = {
    url: '',
    mode,
    get connections() {
      return accepted;
    },
    setMode(next, options = {}) {
      proxy.mode = next;
      for (const c of conns) {
        if (options.dropStalled && c.silent) close(c);
        else if (next === 'blackhole') c.silent = true;
        else if (next === 'stall-body' && !c.silent) close(c);
      }
    },
    stop: async () => {
      for (const c of conns) close(c);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const close = (c: Conn): void => {
    c.client.destroy();
    c.upstream.destroy();
    conns.delete(c);
  };

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(Number(port), hostname);
    const c: Conn = { client, upstream, silent: proxy.mode === 'blackhole', stallBody: proxy.mode === 'stall-body', head: '', requestLine: '' };
    conns.add(c);
    client.on('data', (chunk: Buffer) => {
      const line = REQUEST_START.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 2048)));
      if (line) c.requestLine = line[0];
      if (!c.silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (c.silent) return;
      const stalls = c.stallBody && (options.stallWhen?.(c.requestLine) ?? true);
      if (!stalls) {
        client.write(chunk);
        return;
      }
      // Pass the header and one body byte, then go silent.
      const text = c.head + chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        c.head = text;
        client.write(chunk);
        return;
      }
      const upTo = Math.min(text.length, end + 5) - c.head.length;
      client.write(chunk.subarray(0, upTo));
      c.silent = true;
    });
    for (const s of [client, upstream]) {
      s.on('error', () => close(c));
      s.on('close', () => {
        if (!c.silent) close(c);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
