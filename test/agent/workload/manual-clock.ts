// A clock that moves only when the test says so: makes intervals pass without sleeping.
import type { Clock } from '../../../agent/clock.ts';

export class ManualClock implements Clock {
  private ms: number;

  constructor(start = Date.now()) {
    this.ms = start;
  }

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
