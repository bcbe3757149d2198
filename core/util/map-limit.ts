// Runs async work over a list with bounded concurrency; shared by compaction, restore, verify and the Lambdas.

/**
 * Runs `task` over `items` with at most `limit` in flight, keeping results in input order. After a failure no new
 * task starts, and the first error is thrown only once the tasks in flight have settled, so a caller's cleanup
 * (removing the directory they write to) never races them.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await task(items[i], i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw failure.err;
  return results;
}
