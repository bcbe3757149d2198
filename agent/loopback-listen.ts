// Forces servers that hard-code a wildcard listen address (fauxqs: 0.0.0.0) onto 127.0.0.1 while they start (demo --s3, tests).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const WILDCARD_HOSTS = new Set([undefined, '', '0.0.0.0', '::', '::0']);

function rewriteListenArgs(args: unknown[]): unknown[] {
  const [first, second] = args;
  if (first !== null && typeof first === 'object' && !('_handle' in first) && !('fd' in first)) {
    const opts = first as { host?: string; path?: string };
    if (opts.path === undefined && WILDCARD_HOSTS.has(opts.host)) return [{ ...opts, host: '127.0.0.1' }, ...args.slice(1)];
    return args;
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second === 'string' && !WILDCARD_HOSTS.has(second)) return args;
    const rest = typeof second === 'string' ? args.slice(2) : args.slice(1);
    return [first, '127.0.0.1', ...rest];
  }
  return args;
}

/**
 * Runs `start` with every wildcard `net.Server#listen` rewritten to 127.0.0.1 and returns the addresses that were
 * actually bound, so callers can assert that nothing listens beyond loopback.
 */
export async function withLoopbackListen<T>(start: () => Promise<T>): Promise<{ value: T; bound: AddressInfo[] }> {
  const original = net.Server.prototype.listen;
  const servers: net.Server[] = [];
  net.Server.prototype.listen = function patchedListen(this: net.Server, ...args: unknown[]) {
    servers.push(this);
    return (original as (...a: unknown[]) => net.Server).apply(this, rewriteListenArgs(args));
  } as typeof original;
  try {
    const value = await start();
    const bound = servers.map((s) => s.address()).filter((a): a is AddressInfo => a !== null && typeof a === 'object');
    return { value, bound };
  } finally {
    net.Server.prototype.listen = original;
  }
}
