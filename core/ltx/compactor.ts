// Merges TXID-contiguous LTX files into one (spec §3): k-way merge by pgno, latest page wins, every input CRC verified.
import { LtxDecoder } from './decoder.ts';
import { type EncodeOptions, LtxEncoder } from './encoder.ts';
import { LtxFormatError } from './errors.ts';
import { HEADER_FLAG_NO_CHECKSUM, type LtxHeader, type LtxPage, txidHex } from './types.ts';

export interface LtxInput {
  source: AsyncIterable<Uint8Array>;
  name: string;
}

const PAGE_RING = 4;

interface Cursor {
  decoder: LtxDecoder;
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
        `TXIDs ${txidHex(next.minTXID)}-${txidHex(next.maxTXID)} do not follow ${names[i - 1]} (${txidHex(prev.minTXID)}-${txidHex(prev.maxTXID)}): inputs must be contiguous and increasing`,
      );
    }
  }
}

/** Moves a cursor to its next page: synchronously when the page is buffered, so most merge steps never await. */
function advance(c: Cursor): Promise<void> | undefined {
  const next = c.decoder.readPage();
  if (next === null) return finish(c);
  if (next instanceof Promise) return next.then((page) => (page === null ? finish(c) : void (c.current = page)));
  c.current = next;
  return undefined;
}

async function finish(c: Cursor): Promise<void> {
  c.current = null;
  await c.decoder.trailer();
}

/**
 * One k-way merge step: the lowest pgno any input holds, the last holder winning (later inputs are newer);
 * every holder moves on. Returns the winning page, or null when all inputs are done. `pending` collects the
 * advances that must be awaited before the next step.
 */
function mergeStep(cursors: Cursor[], pending: Array<Promise<void>>): LtxPage | null {
  let min = Infinity;
  for (const c of cursors) if (c.current && c.current.pgno < min) min = c.current.pgno;
  if (min === Infinity) return null;
  let winner: LtxPage | null = null;
  for (const c of cursors) {
    if (c.current && c.current.pgno === min) {
      winner = c.current;
      const wait = advance(c);
      if (wait) {
        // Awaited at the next step; until then a rejection must not count as unhandled.
        wait.catch(noop);
        pending.push(wait);
      }
    }
  }
  return winner;
}

function noop(): void {}

/** Waits for every read (none left running behind an error), then throws the first failure. */
async function settleAll(waits: Array<Promise<void>>): Promise<void> {
  for (const r of await Promise.allSettled(waits)) if (r.status === 'rejected') throw r.reason;
}

/**
 * Runs the merge, handing each surviving page to `emit` (which must consume it at once); awaits only when an
 * input needs more bytes. Pages past the final commit were truncated away, but are still read so every input's
 * checksum is verified.
 */
async function* mergeInto<T>(cursors: Cursor[], commit: number, emit: (page: LtxPage) => T | undefined): AsyncGenerator<T> {
  let finished = false;
  try {
    const pending: Array<Promise<void>> = [];
    for (const c of cursors) {
      const wait = advance(c);
      if (wait) await wait;
    }
    for (;;) {
      // Inputs advanced in the previous step must have their next page before this one picks a minimum.
      if (pending.length === 1) await pending.pop();
      else if (pending.length > 1) await settleAll(pending.splice(0));
      const page = mergeStep(cursors, pending);
      if (!page) break;
      // The winner stays valid: its decoder has a page ring and moved on by at most one page.
      if (page.pgno <= commit) {
        const out = emit(page);
        if (out !== undefined) yield out;
      }
    }
    finished = true;
  } finally {
    // On an error or an abandoned output, release every input's source.
    if (!finished) await Promise.allSettled(cursors.map((c) => c.decoder.close()));
  }
}

/** Opens every input and checks the merge rules; the merged header. */
async function openInputs(inputs: LtxInput[]): Promise<{ header: LtxHeader; cursors: Cursor[] }> {
  if (inputs.length === 0) throw new Error('compaction needs at least one LTX input');
  const cursors: Cursor[] = inputs.map((input) => {
    // A page is yielded one decode after it was read (see mergeStep) and consumed before the next merge
    // step, so a small ring of reused buffers per input is safe and avoids allocating every page.
    const decoder = new LtxDecoder(input.source, input.name, { pageRing: PAGE_RING });
    return { decoder, current: null };
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
  return { header: mergedHeader(headers), cursors };
}

/** Streams the compacted LTX file; the stream throws (naming the input) if any input is corrupt. */
export async function compactLtx(
  inputs: LtxInput[],
  options: EncodeOptions = {},
): Promise<{ header: LtxHeader; stream: AsyncIterable<Uint8Array> }> {
  const { header, cursors } = await openInputs(inputs);
  return { header, stream: compactStream(header, cursors, { name: options.name ?? 'compaction output', ...options }) };
}

/** Merge and encode in one loop: a page goes from its input's ring straight into the encoder, with no await between. */
async function* compactStream(header: LtxHeader, cursors: Cursor[], options: EncodeOptions): AsyncGenerator<Uint8Array> {
  let encoder: LtxEncoder;
  try {
    encoder = new LtxEncoder(header, options);
  } catch (err) {
    await Promise.allSettled(cursors.map((c) => c.decoder.close()));
    throw err;
  }
  yield* mergeInto(cursors, header.commit, (page) => (encoder.add(page) ? encoder.take() : undefined));
  yield* encoder.finish();
}
