// followReplica when the next L0 files are gone: it continues from a compacted level, or re-applies a snapshot, atomically.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TXID } from '../../core/ltx/types.ts';
import type { LtxFileInfo } from '../../core/replica/client.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { followReplica } from '../../core/restore/follow.ts';
import { restoreDatabase } from '../../core/restore/restore.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { waitFor } from './follow/processes.ts';
import { digest, source as makeSource, type Source } from './follow/source.ts';

const tempDir = useTempDirs();

async function source(): Promise<Source> {
  const dir = await tempDir('follow-gap');
  return makeSource(dir, new FileReplicaClient(join(dir, 'replica')));
}

/** Follows until the copy reaches `txid`; returns the files applied and the warnings logged. */
async function followUntil(s: Source, from: TXID, txid: TXID): Promise<{ files: LtxFileInfo[]; warnings: string[] }> {
  const files: LtxFileInfo[] = [];
  const warnings: string[] = [];
  const stop = new AbortController();
  let reached = from;
  const done = followReplica(s.client, {
    outputPath: s.copy, txid: from, intervalMs: 20, signal: stop.signal,
    logger: { debug: () => undefined, info: () => undefined, warn: (o) => warnings.push(JSON.stringify(o)), error: () => undefined },
    onApplied: (t, applied) => {
      reached = t;
      files.push(...applied);
    },
  });
  try {
    await waitFor(() => reached >= txid, 20_000, `the copy to reach TXID ${txid}`);
  } finally {
    stop.abort();
    await done;
  }
  return { files, warnings };
}

async function deleteL0(s: Source, from: TXID, to: TXID): Promise<void> {
  const refs = [];
  for (let t = from; t <= to; t++) refs.push({ level: 0, minTXID: t, maxTXID: t });
  await s.client.deleteLtxFiles(refs);
}

describe('follow across a gap in L0', () => {
  it('continues from a compacted L1 file when the L0 files after the copy were compacted away', async () => {
    const s = await source();
    try {
      for (let id = 1; id <= 3; id++) await s.step(id);
      await restoreDatabase(s.client, { outputPath: s.copy });
      for (let id = 4; id <= 8; id++) await s.step(id);
      await s.builder.compact(1, 4, 8);
      await deleteL0(s, 4, 7);
      await s.step(9);
      const { files, warnings } = await followUntil(s, 3, 9);
      expect(files.map((f) => `L${f.level} ${f.minTXID}-${f.maxTXID}`)).toEqual(['L1 4-8', 'L0 9-9']);
      expect(warnings).toEqual([]);
      expect(digest(s.copy)).toEqual(digest(s.src));
    } finally {
      s.close();
    }
  });

  it('re-applies the newest snapshot when nothing continues from the copy, while an open read transaction keeps its state', async () => {
    const s = await source();
    try {
      for (let id = 1; id <= 3; id++) await s.step(id);
      await restoreDatabase(s.client, { outputPath: s.copy });
      for (let id = 4; id <= 8; id++) await s.step(id);
      await s.builder.snapshot(8);
      await deleteL0(s, 4, 7);
      await s.step(9);
      const reader = new Database(s.copy, { readonly: true });
      reader.exec('BEGIN');
      expect(reader.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 });
      const { files } = await followUntil(s, 3, 9);
      expect(files.map((f) => `L${f.level} ${f.minTXID}-${f.maxTXID}`)).toEqual(['L9 1-8', 'L0 9-9']);
      // The snapshot replaced every page, yet the reader's snapshot is intact until it ends its transaction.
      expect(reader.prepare('SELECT count(*) AS n, sum(length(v)) AS b FROM t').get()).toEqual({ n: 3, b: 300 * 6 });
      reader.exec('COMMIT');
      expect(reader.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 9 });
      reader.close();
      expect(digest(s.copy)).toEqual(digest(s.src));
      const check = new Database(s.copy, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();
    } finally {
      s.close();
    }
  });

  it('stays at its TXID and says why, once, while nothing bridges the gap; continues when the file arrives', async () => {
    const s = await source();
    try {
      for (let id = 1; id <= 3; id++) await s.step(id);
      await restoreDatabase(s.client, { outputPath: s.copy });
      for (let id = 4; id <= 6; id++) await s.step(id);
      const lost = { level: 0, minTXID: 4, maxTXID: 4 };
      const bytes = Buffer.concat(await (await s.client.openLtxFile(lost)).toArray());
      await deleteL0(s, 4, 4);
      const warnings: string[] = [];
      let polls = 0;
      const stop = new AbortController();
      const client = new Proxy(s.client, {
        get: (target, prop, receiver) => {
          if (prop === 'listLtxFiles') polls++;
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      let reached = 3;
      const done = followReplica(client, {
        outputPath: s.copy, txid: 3, intervalMs: 20, signal: stop.signal,
        logger: { debug: () => undefined, info: () => undefined, warn: (o) => warnings.push(JSON.stringify(o)), error: () => undefined },
        onApplied: (t) => (reached = t),
      });
      await waitFor(() => polls >= 5 * 11, 20_000, 'five polls'); // each poll with a gap lists L0, then all 10 levels
      expect(reached).toBe(3);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/0000000000000003/);
      await s.client.writeLtxFile(lost, bytes); // the late upload lands
      await waitFor(() => reached === 6, 20_000, 'the copy to reach TXID 6');
      stop.abort();
      await done;
      expect(digest(s.copy)).toEqual(digest(s.src));
    } finally {
      s.close();
    }
  });
});
