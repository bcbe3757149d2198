// Compactor: property test against an in-memory model, merge rules, corrupt inputs, snapshots, determinism.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactLtx, type LtxInput } from '../../core/ltx/compactor.ts';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { LtxFormatError } from '../../core/ltx/errors.ts';
import { newHeader } from '../../core/ltx/header.ts';
import type { LtxHeader, LtxPage } from '../../core/ltx/types.ts';
import { chunked, concat, makePage } from './helpers.ts';

interface FileSpec {
  header: LtxHeader;
  pages: LtxPage[];
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return concat(chunks);
}

async function inputsOf(files: FileSpec[]): Promise<LtxInput[]> {
  const out: LtxInput[] = [];
  for (let i = 0; i < files.length; i++) {
    const bytes = await encodeLtxToBuffer(files[i].header, files[i].pages);
    out.push({ name: `in${i}.ltx`, source: chunked(bytes, 3000 + i * 17) });
  }
  return out;
}

/** The model: apply files in order to a Map, truncating to each file's commit. */
function model(files: FileSpec[]): Map<number, Uint8Array> {
  const db = new Map<number, Uint8Array>();
  for (const f of files) {
    for (const p of f.pages) db.set(p.pgno, p.data);
    for (const pgno of [...db.keys()]) if (pgno > f.header.commit) db.delete(pgno);
  }
  return db;
}

const PAGE = 512;

const chainArb = fc
  .record({
    startSnapshot: fc.boolean(),
    files: fc.array(
      fc.record({
        commit: fc.integer({ min: 1, max: 10 }),
        pick: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        span: fc.integer({ min: 1, max: 3 }),
        overlap: fc.boolean(),
        ts: fc.integer({ min: 0, max: 1e12 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ startSnapshot, files }) => {
    const specs: FileSpec[] = [];
    let max = startSnapshot ? 0 : 9;
    let commit = 0;
    files.forEach((f, i) => {
      const min = i === 0 ? max + 1 : f.overlap && max > 1 ? max : max + 1;
      const newMax = Math.max(max + 1, min + f.span - 1);
      const snapshot = min === 1;
      // Pages a growing database must write: everything above the previous commit.
      const pgnos = Array.from({ length: f.commit }, (_, k) => k + 1).filter((p) => snapshot || p > commit || f.pick[p - 1]);
      specs.push({
        header: newHeader({ pageSize: PAGE, commit: f.commit, minTXID: min, maxTXID: newMax, timestamp: f.ts }),
        pages: pgnos.map((p) => makePage(p, PAGE, (['text', 'pattern', 'random'] as const)[(p + i) % 3], i)),
      });
      max = newMax;
      commit = f.commit;
    });
    return specs;
  });

describe('compactLtx', () => {
  it('equals the in-memory model and follows the header rules (property)', async () => {
    await fc.assert(
      fc.asyncProperty(chainArb, async (files) => {
        const { header, stream } = await compactLtx(await inputsOf(files));
        const out = await decodeLtxBuffer(await collect(stream), 'out.ltx');
        const first = files[0].header;
        const last = files[files.length - 1].header;
        expect(out.header).toEqual(
          newHeader({ pageSize: PAGE, commit: last.commit, minTXID: first.minTXID, maxTXID: last.maxTXID, timestamp: last.timestamp }),
        );
        expect(header).toEqual(out.header);
        const expected = model(files);
        expect(out.pages.map((p) => p.pgno)).toEqual([...expected.keys()].sort((a, b) => a - b));
        for (const p of out.pages) expect(p.data).toEqual(expected.get(p.pgno));
        if (first.minTXID === 1) expect(out.pages.length).toBe(last.commit);
        const again = await compactLtx(await inputsOf(files));
        expect(await collect(again.stream)).toEqual(await encodeLtxToBuffer(out.header, out.pages));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a TXID gap, naming both files', async () => {
    const files = [
      { header: newHeader({ pageSize: PAGE, commit: 1, minTXID: 1, maxTXID: 3 }), pages: [makePage(1, PAGE, 'text')] },
      { header: newHeader({ pageSize: PAGE, commit: 1, minTXID: 5, maxTXID: 6 }), pages: [makePage(1, PAGE, 'text')] },
    ];
    await expect(compactLtx(await inputsOf(files))).rejects.toThrow(/in1\.ltx: offset 16: TXIDs 0000000000000005-0000000000000006 do not follow in0\.ltx \(0000000000000001-0000000000000003\)/);
  });

  it('refuses inputs that do not advance or differ in page size', async () => {
    const a = { header: newHeader({ pageSize: PAGE, commit: 1, minTXID: 2, maxTXID: 3 }), pages: [makePage(1, PAGE, 'text')] };
    const same = { header: newHeader({ pageSize: PAGE, commit: 1, minTXID: 3, maxTXID: 3 }), pages: [makePage(1, PAGE, 'text')] };
    const big = { header: newHeader({ pageSize: 1024, commit: 1, minTXID: 4, maxTXID: 4 }), pages: [makePage(1, 1024, 'text')] };
    await expect(compactLtx(await inputsOf([a, same]))).rejects.toThrow(/do not follow/);
    await expect(compactLtx(await inputsOf([a, big]))).rejects.toThrow(/page size 1024 differs from 512 in in0\.ltx/);
  });

  it('makes the output stream fail, naming the input, when an input checksum is wrong', async () => {
    const files = [
      { header: newHeader({ pageSize: PAGE, commit: 2, minTXID: 1, maxTXID: 1 }), pages: [makePage(1, PAGE, 'text'), makePage(2, PAGE, 'text')] },
      { header: newHeader({ pageSize: PAGE, commit: 2, minTXID: 2, maxTXID: 2 }), pages: [makePage(2, PAGE, 'random')] },
    ];
    const good = await encodeLtxToBuffer(files[0].header, files[0].pages);
    const bad = await encodeLtxToBuffer(files[1].header, files[1].pages);
    bad[bad.length - 2] ^= 0xff;
    const { stream } = await compactLtx([
      { name: 'good.ltx', source: chunked(good) },
      { name: 'corrupt.ltx', source: chunked(bad) },
    ]);
    await expect(collect(stream)).rejects.toThrow(/corrupt\.ltx: offset \d+: file checksum mismatch/);
  });

  it('drops pages beyond the last commit but still verifies them', async () => {
    const files = [
      { header: newHeader({ pageSize: PAGE, commit: 3, minTXID: 1, maxTXID: 1 }), pages: [1, 2, 3].map((p) => makePage(p, PAGE, 'text')) },
      { header: newHeader({ pageSize: PAGE, commit: 1, minTXID: 2, maxTXID: 2 }), pages: [makePage(1, PAGE, 'pattern')] },
    ];
    const { stream } = await compactLtx(await inputsOf(files));
    const out = await decodeLtxBuffer(await collect(stream), 'o.ltx');
    expect(out.header.commit).toBe(1);
    expect(out.pages).toEqual([makePage(1, PAGE, 'pattern')]);
  });

  it('rejects an empty input list', async () => {
    await expect(compactLtx([])).rejects.toThrow(/at least one/);
  });

  it('refuses to write a snapshot output that would miss pages', async () => {
    const files = [
      { header: newHeader({ pageSize: PAGE, commit: 1, minTXID: 1, maxTXID: 1 }), pages: [makePage(1, PAGE, 'text')] },
      { header: newHeader({ pageSize: PAGE, commit: 2, minTXID: 2, maxTXID: 2 }), pages: [makePage(1, PAGE, 'zero')] },
    ];
    const { stream } = await compactLtx(await inputsOf(files));
    const err = await collect(stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LtxFormatError);
    expect(String(err)).toMatch(/compaction output: offset \d+: snapshot ends at page 1 but must contain every page up to the commit size 2/);
  });
});
