// Waiting for work with a deadline, for shutdown: work that hangs is abandoned rather than awaited.

/** True when `work` settled (resolved or rejected) before `deadline` (ms since the epoch); false when the deadline came first. */
export async function settlesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
