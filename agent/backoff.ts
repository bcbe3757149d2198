// Exponential retry delays for the upload loop: nothing while healthy, then doubling up to a ceiling.

/** Exponential backoff: 0 while healthy; after failures, min → 2·min → … → max. */
export class Backoff {
  delay = 0;
  until = 0;
  failures = 0;
  private readonly min: number;
  private readonly max: number;
  constructor(min: number, max: number) {
    this.min = min;
    this.max = max;
  }
  fail(): number {
    this.failures++;
    this.delay = Math.min(this.max, this.delay > 0 ? this.delay * 2 : this.min);
    this.until = Date.now() + this.delay;
    return this.delay;
  }
  succeed(): void {
    this.failures = 0;
    this.delay = 0;
    this.until = 0;
  }
  active(): boolean {
    return Date.now() < this.until;
  }
}
