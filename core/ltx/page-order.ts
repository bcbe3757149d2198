// Page-number rules shared by encoder and decoder: strictly increasing, no lock page, complete snapshots (spec §1.2).
import { isSnapshot, type LtxHeader, lockPgno } from './types.ts';

export class PageOrder {
  private readonly snapshot: boolean;
  private readonly commit: number;
  private readonly lock: number;
  prev = 0;

  constructor(header: LtxHeader) {
    this.snapshot = isSnapshot(header);
    this.commit = header.commit;
    this.lock = lockPgno(header.pageSize);
  }

  /** What is wrong with pgno coming next, or null. */
  problem(pgno: number): string | null {
    if (!Number.isInteger(pgno) || pgno < 1 || pgno > 0xffffffff) return `invalid page number ${pgno}`;
    if (pgno === this.lock) return `page ${pgno} is the lock page, which is never stored`;
    if (this.snapshot) {
      const expected = this.prev + 1 === this.lock ? this.prev + 2 : this.prev + 1;
      if (pgno !== expected) {
        return this.prev === 0
          ? `snapshot must start with page 1, found page ${pgno}`
          : `nonsequential page numbers in snapshot: ${this.prev} then ${pgno}`;
      }
    } else if (pgno <= this.prev) {
      return `out-of-order page numbers: ${this.prev} then ${pgno}`;
    }
    if (pgno > this.commit) return `page ${pgno} is beyond the commit size ${this.commit}`;
    return null;
  }

  accept(pgno: number): void {
    this.prev = pgno;
  }

  /** What is missing once all pages are seen, or null. */
  endProblem(): string | null {
    if (!this.snapshot) return null;
    const last = this.commit === this.lock ? this.commit - 1 : this.commit;
    if (this.prev !== last) return `snapshot ends at page ${this.prev} but must contain every page up to the commit size ${this.commit}`;
    return null;
  }
}
