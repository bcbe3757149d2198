// Turns Ctrl-C / SIGTERM during a one-shot command into an AbortSignal, so the command can clean up and say so.
import process from 'node:process';

/** Shell convention: 128 + the signal number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface Interruption {
  /** Aborted on the first SIGINT or SIGTERM, with the signal's name as the reason. */
  signal: AbortSignal;
  /** 130 or 143 once a signal came, else undefined. */
  exitCode(): number | undefined;
  /** Gives the signals back to their default handling. */
  dispose(): void;
}

/**
 * While this is in place, the first SIGINT or SIGTERM aborts the returned signal instead of killing the process.
 * A second one means "stop now": `cleanupNow` runs (synchronously) and the process exits with the signal's code.
 */
export function abortOnSignals(cleanupNow: () => void): Interruption {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const on = (name: StopSignal) => (): void => {
    if (received) {
      cleanupNow();
      process.exit(SIGNAL_EXIT_CODES[name]);
    }
    received = name;
    controller.abort(name);
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    exitCode: () => (received ? SIGNAL_EXIT_CODES[received] : undefined),
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
