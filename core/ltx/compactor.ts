// Merges TXID-contiguous LTX files into one (spec §3): k-way merge by pgno, latest page wins, every input CRC verified.
import { LtxDecoder } from './decoder.ts';
import { type EncodeOptions, encodeLtx } from './encoder.ts';
import { LtxFormatError } from './errors.ts';
import { HEADER_FLAG_NO_CHECKSUM, type LtxHeader, type LtxPage } from './types.ts';

export interface LtxInput {
  source: AsyncIterable<Uint8Array>;
  name: string;
}

const PAGE_RING = 4;

interface Cursor {
  decoder: LtxDecoder;
  pages: AsyncIterator<LtxPage>;
  current: LtxPage | null;
}

/** Output header of a merge (spec §3): Litestream's rules for compaction output. */
export function mergedHeader(headers: LtxHeader[]): LtxHeader {
  const first = headers[0];
  const last = headers[headers.length - 1];
  return {
    flags: HEADER_FLAG_NO_CHECKSUM,
    pageSize: first.pageSize,
    commit: last.commit,
    minTXID: first.minTXID,
    maxTXID: last.maxTXID,
    timestamp: last.timestamp,
    // Litestream copies first.PreApply, which is always 0 under NoChecksum; the flag requires 0 anyway.
    preApplyChecksum: 0n,
    walOffset: 0,
    walSize: 0,
    walSalt1: 0,
    walSalt2: 0,
    nodeID: 0n,
  };
}

/** Checks page sizes and TXID contiguity of consecutive inputs; the error names both files. */
export function checkMergeOrder(headers: LtxHeader[], names: string[]): void {
  for (let i = 1; i < headers.length; i++) {
    const prev = headers[i - 1];
    const next = headers[i];
    if (next.pageSize !== prev.pageSize) {
      throw new LtxFormatError(names[i], 8, `page size ${next.pageSize} differs from ${prev.pageSize} in ${names[i - 1]}; cannot merge`);
    }
    if (!(next.minTXID <= prev.maxTXID + 1 && next.maxTXID > prev.maxTXID)) {
      throw new LtxFormatError(
        names[i],
        16,
        `TXIDs ${next.minTXID}-${next.maxTXID} do not follow ${names[i - 1]} (${prev.minTXID}-${prev.maxTXID}): inputs must be contiguous and increasing`,
      );
    }
  }
}

async function advance(c: Cursor): Promise<void> {
  const r = await c.pages.next();
  if (r.done) {
    c.current = null;
    await c.decoder.trailer();
  } else {
    c.current = r.value;
  }
}

async function* mergePages(cursors: Cursor[], commit: number): AsyncGenerator<LtxPage> {
  let finished = false;
  try {
    yield* mergeLoop(cursors, commit);
    finished = true;
  } finally {
    // On an error or an abandoned output, release every input's source.
    if (!finished) await Promise.allSettled(cursors.map((c) => c.decoder.close()));
  }
}

async function* mergeLoop(cursors: Cursor[], commit: number): AsyncGenerator<LtxPage> {
  for (const c of cursors) await advance(c);
  for (;;) {
    let min = Infinity;
    for (const c of cursors) if (c.current && c.current.pgno < min) min = c.current.pgno;
    if (min === Infinity) return;
    // Later inputs come later in the list, so the last holder of `min` wins.
    let winner: LtxPage | null = null;
    for (const c of cursors) {
      if (c.current && c.current.pgno === min) {
        winner = c.current;
        await advance(c);
      }
    }
    // Pages past the final commit were truncated away; still read them so every input's checksum is verified.
    if (winner && min <= commit) yield winner;
  }
}

/**
 * Opens every input, checks the merge rules and yields the merged pages; each input's checksum is verified as it
 * ends. A yielded page's data is only valid until the next page is requested: copy it to keep it.
 */
export async function mergeLtx(inputs: LtxInput[]): Promise<{ header: LtxHeader; pages: AsyncIterable<LtxPage> }> {
  if (inputs.length === 0) throw new Error('compaction needs at least one LTX input');
  const cursors: Cursor[] = inputs.map((input) => {
    // A page is yielded one decode after it was read (see mergePages) and consumed before the next merge
    // step, so a small ring of reused buffers per input is safe and avoids allocating every page.
    const decoder = new LtxDecoder(input.source, input.name, { pageRing: PAGE_RING });
    return { decoder, pages: decoder.pages()[Symbol.asyncIterator](), current: null };
  });
  const headers: LtxHeader[] = [];
  try {
    for (const c of cursors) headers.push(await c.decoder.header());
    checkMergeOrder(
      headers,
      inputs.map((i) => i.name),
    );
  } catch (err) {
    await Promise.allSettled(cursors.map((c) => c.decoder.close()));
    throw err;
  }
  const header = mergedHeader(headers);
  return { header, pages: mergePages(cursors, header.commit) };
}

/** Streams the compacted LTX file; the stream throws (naming the input) if any input is corrupt. */
export async function compactLtx(
  inputs: LtxInput[],
  options: EncodeOptions = {},
): Promise<{ header: LtxHeader; stream: AsyncIterable<Uint8Array> }> {
  const { header, pages } = await mergeLtx(inputs);
  return { header, stream: encodeLtx(header, pages, { name: options.name ?? 'compaction output', ...options }) };
}
