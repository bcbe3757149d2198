// Fixed inputs for the committed LTX golden files (test/fixtures/ltx); changing anything here changes the goldens.
import { newHeader } from '../../core/ltx/header.ts';
import type { LtxHeader, LtxPage } from '../../core/ltx/types.ts';
import { makePage } from './helpers.ts';

export interface GoldenFile {
  name: string;
  header: LtxHeader;
  pages: LtxPage[];
  postApplyChecksum?: bigint;
}

const TS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

/** Plain files encoded directly from pages. */
export function goldenFiles(): GoldenFile[] {
  return [
    {
      name: 'snapshot-4k.ltx',
      header: newHeader({ pageSize: 4096, commit: 6, minTXID: 1, maxTXID: 1, timestamp: TS }),
      pages: [
        makePage(1, 4096, 'text', 1),
        makePage(2, 4096, 'random', 1),
        makePage(3, 4096, 'zero'),
        makePage(4, 4096, 'pattern', 1),
        makePage(5, 4096, 'text', 2),
        makePage(6, 4096, 'zero'),
      ],
    },
    {
      name: 'l0-wal-4k.ltx',
      header: newHeader({
        pageSize: 4096,
        commit: 7,
        minTXID: 2,
        maxTXID: 2,
        timestamp: TS + 1000,
        walOffset: 32,
        walSize: 2 * 4120,
        walSalt1: 1215669259,
        walSalt2: 2743985397,
        nodeID: 42n,
      }),
      pages: [makePage(2, 4096, 'text', 3), makePage(7, 4096, 'random', 3)],
    },
    {
      name: 'l0-shrink-4k.ltx',
      header: newHeader({ pageSize: 4096, commit: 5, minTXID: 3, maxTXID: 4, timestamp: TS + 2000 }),
      pages: [makePage(1, 4096, 'text', 4), makePage(5, 4096, 'pattern', 4)],
    },
    {
      // Checksum-tracking file (flags 0) deleting the database: the only kind of commit-0 file ltx can write.
      name: 'deleted-512.ltx',
      header: newHeader({ flags: 0, pageSize: 512, commit: 0, minTXID: 9, maxTXID: 9, timestamp: TS + 3000, preApplyChecksum: 0x8000_0000_1234_5678n }),
      pages: [],
      postApplyChecksum: 0x8000_0000_0000_0000n,
    },
    {
      name: 'l0-512.ltx',
      header: newHeader({ pageSize: 512, commit: 40, minTXID: 10, maxTXID: 12, timestamp: TS + 3500 }),
      pages: [makePage(3, 512, 'text', 6), makePage(17, 512, 'zero'), makePage(40, 512, 'random', 6)],
    },
    {
      name: 'snapshot-64k.ltx',
      header: newHeader({ pageSize: 65536, commit: 2, minTXID: 1, maxTXID: 5, timestamp: TS + 4000 }),
      pages: [makePage(1, 65536, 'text', 5), makePage(2, 65536, 'pattern', 5)],
    },
  ];
}

/** The compaction golden: snapshot-4k + l0-wal-4k + l0-shrink-4k merged. */
export const COMPACTED_NAME = 'compacted-1-4.ltx';
export const COMPACTED_INPUTS = ['snapshot-4k.ltx', 'l0-wal-4k.ltx', 'l0-shrink-4k.ltx'];
export const MANIFEST_NAME = 'checksums.json';
