// Ordered prefetch: starts up to `limit` downloads ahead and hands results over in input order.

/**
 * Yields fetch(item) for each item in order while up to `limit` fetches run ahead. A failure surfaces when its
 * turn comes; fetches already started are left to settle on their own (their errors are observed, never unhandled).
 */
export async function* prefetch<T, R>(items: readonly T[], limit: number, fetch: (item: T) => Promise<R>): AsyncGenerator<R> {
  const inflight: Array<Promise<R>> = [];
  let next = 0;
  const fill = (): void => {
    while (next < items.length && inflight.length < Math.max(1, limit)) {
      const p = fetch(items[next++]);
      p.catch(() => undefined);
      inflight.push(p);
    }
  };
  for (let i = 0; i < items.length; i++) {
    fill();
    yield await inflight.shift()!;
  }
}
