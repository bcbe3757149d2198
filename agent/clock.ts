// The agent's wall clock, injected into Database and Replicator so tests can make time pass without sleeping.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
