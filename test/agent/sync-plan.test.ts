// planSync after a restart: the last synced frame is compared with the newest L0 file's page, kept from open() or decoded.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import { decodeL0File } from '../../agent/l0/store.ts';
import { positionFromHeader } from '../../agent/wal/position.ts';
import { bufferSource, readFrameAt, readWalHeader } from '../../agent/wal/reader.ts';
import { planSync, type PlanInput } from '../../agent/wal/sync-plan.ts';
import { walFrameSize } from '../../core/sqlite/wal-format.ts';
import { parseFrameHeader } from '../../core/sqlite/wal-frames.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { appDatabase } from './app-database.ts';

const tempDir = useTempDirs();

/** A database synced twice (snapshot, then incremental) and closed, its WAL kept: what the next start plans from. */
async function stoppedAgent(): Promise<{ input: PlanInput; pgno: number; page: Uint8Array }> {
  const { path, app, settings } = await appDatabase(tempDir, 'plan');
  const { metaPath } = settings;
  const db = new Database(settings);
  await db.open();
  await db.sync();
  app.prepare('INSERT INTO t (v) VALUES (randomblob(3000))').run();
  expect(await db.sync()).toMatchObject({ txid: 2, snapshot: false });
  await db.close();
  const lastL0Path = db.l0.path(2);
  const { header: l0Header } = await decodeL0File(lastL0Path);
  const pos = positionFromHeader(2, l0Header);
  const wal = bufferSource(new Uint8Array(readFileSync(`${path}-wal`)));
  app.close();
  const header = readWalHeader(wal)!;
  const frame = readFrameAt(wal, header.pageSize, pos.offset - walFrameSize(header.pageSize))!;
  const pgno = parseFrameHeader(frame.header).pgno;
  const { page } = await decodeL0File(lastL0Path, pgno);
  return { input: { pos, wal, header, lastL0Path }, pgno, page: page! };
}

describe('planSync after a restart', () => {
  it('continues when the WAL still holds the last synced frame, with the page decoded or kept from open()', async () => {
    const { input, pgno, page } = await stoppedAgent();
    expect(await planSync(input)).toMatchObject({ kind: 'incremental', offset: input.pos!.offset });
    expect(await planSync({ ...input, lastL0Page: { pgno, data: page } })).toMatchObject({ kind: 'incremental', offset: input.pos!.offset });
  });

  it('compares the kept page when it is the one asked for, and decodes the file when another page was kept', async () => {
    const { input, pgno, page } = await stoppedAgent();
    const other = new Uint8Array(page.length).fill(0x5a);
    // Bytes other than the file's under the right page number: the WAL frame no longer matches, so a snapshot.
    expect(await planSync({ ...input, lastL0Page: { pgno, data: other } })).toMatchObject({ kind: 'snapshot', reason: expect.stringMatching(/differs from the newest L0 file/) });
    // Kept for another page: not used, the file's page is read and matches.
    expect(await planSync({ ...input, lastL0Page: { pgno: pgno + 1, data: other } })).toMatchObject({ kind: 'incremental' });
  });
});
