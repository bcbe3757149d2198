// Merges TXID-contiguous replica files into one LTX file and uploads it as a stream, with bounded memory and fan-in.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import type { LtxHeader } from '../ltx/types.ts';
import { compactLtx } from '../ltx/compactor.ts';
import { formatLtxFileName } from '../layout/names.ts';
import { localSource, remoteSource, spoolFiles } from './spool.ts';
import { mapLimit } from '../util/map-limit.ts';
import type { MergeSource } from './spool.ts';

/** Inputs merged at once; more are merged in batches through temporary files (file handles and buffers stay bounded). */
const DEFAULT_FAN_IN = 64;
/** Inputs opened at once before a merge starts. */
const PREFETCH = 8;

export interface MergeOptions {
  tmpDir?: string;
  fanIn?: number;
}

export interface MergeOutcome {
  file: LtxFileInfo;
  header: LtxHeader;
  inputBytes: number;
}

/** Remembers every stream a merge opened so a failed merge closes them all. */
class OpenStreams {
  private readonly streams: Readable[] = [];

  /**
   * Opens every source (a few at a time) and starts its first read, so the merge, which reads the inputs' headers
   * one after the other, finds them already buffered instead of paying one open and one read latency per input.
   */
  async openAll(sources: readonly MergeSource[]): Promise<AsyncIterable<Uint8Array>[]> {
    return mapLimit(sources, PREFETCH, async (source) => {
      const stream = await source.open();
      this.streams.push(stream);
      // Until the merge iterates it, nothing listens to the stream: keep an early error (a failed open) from
      // becoming an uncaught exception. The error is not lost: iterating an errored stream throws it.
      stream.on('error', () => undefined);
      stream.read(0);
      return stream as AsyncIterable<Uint8Array>;
    });
  }

  destroyAll(): void {
    for (const s of this.streams.splice(0)) s.destroy();
  }
}

async function mergeSources(sources: readonly MergeSource[], open: OpenStreams): Promise<{ header: LtxHeader; stream: AsyncIterable<Uint8Array> }> {
  const streams = await open.openAll(sources);
  return compactLtx(sources.map((s, i) => ({ source: streams[i], name: s.name })));
}

/** Merges a batch into a local LTX file, which then stands for the whole batch. */
async function mergeToTemp(sources: readonly MergeSource[], path: string, open: OpenStreams): Promise<MergeSource> {
  const { stream } = await mergeSources(sources, open);
  await pipeline(Readable.from(stream, { objectMode: false }), createWriteStream(path));
  return localSource(path, `${sources[0].name} .. ${sources[sources.length - 1].name} (merged batch)`);
}

/**
 * Turns the input files into at most `fanIn` merge sources. Remote files are spooled batch by batch, so the
 * temporary space needed is about one batch plus the intermediate merges.
 */
async function reduceInputs(client: ReplicaClient, files: readonly LtxFileInfo[], dir: string, fanIn: number, open: OpenStreams): Promise<MergeSource[]> {
  const direct = client.type === 'file';
  const toSources = async (batch: readonly LtxFileInfo[], into: string): Promise<MergeSource[]> =>
    direct ? batch.map((f) => remoteSource(client, f)) : spoolFiles(client, batch, into);
  if (files.length <= fanIn) return toSources(files, await mkdtemp(join(dir, 'in-')));

  let sources: MergeSource[] = [];
  let round = 0;
  for (let i = 0; i < files.length; i += fanIn) {
    const batchDir = await mkdtemp(join(dir, 'batch-'));
    const batch = await toSources(files.slice(i, i + fanIn), batchDir);
    sources.push(await mergeToTemp(batch, join(dir, `r0-${i}.ltx`), open));
    open.destroyAll();
    await rm(batchDir, { recursive: true, force: true });
  }
  while (sources.length > fanIn) {
    round += 1;
    const next: MergeSource[] = [];
    for (let i = 0; i < sources.length; i += fanIn) {
      next.push(await mergeToTemp(sources.slice(i, i + fanIn), join(dir, `r${round}-${i}.ltx`), open));
      open.destroyAll();
    }
    sources = next;
  }
  return sources;
}

/**
 * Merges `files` (TXID-contiguous, in order) into `<first min>-<last max>.ltx` at `level`. The output is a pure
 * function of the inputs, so a duplicate run writes the same key with the same bytes. Nothing is written unless the
 * whole merge succeeds: every input's checksum is verified while reading, and the replica write is atomic.
 */
export async function mergeFilesToReplica(client: ReplicaClient, files: readonly LtxFileInfo[], level: number, options: MergeOptions = {}): Promise<MergeOutcome> {
  if (files.length === 0) throw new Error(`nothing to merge into level ${level} of ${client.location}`);
  const fanIn = Math.max(2, options.fanIn ?? DEFAULT_FAN_IN);
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'streambed-compact-'));
  const open = new OpenStreams();
  try {
    // A snapshot has every page, so the merge reads it without pause: stream it instead of spooling gigabytes.
    const streamFirst = files[0].level === SNAPSHOT_LEVEL && client.type !== 'file';
    const head = streamFirst ? [remoteSource(client, files[0])] : [];
    const rest = await reduceInputs(client, streamFirst ? files.slice(1) : files, dir, fanIn, open);
    const { header, stream } = await mergeSources([...head, ...rest], open);
    const minTXID = files[0].minTXID;
    const maxTXID = files[files.length - 1].maxTXID;
    if (header.minTXID !== minTXID || header.maxTXID !== maxTXID) {
      throw new Error(
        `merged header covers TXIDs ${header.minTXID}-${header.maxTXID} but the inputs name ${formatLtxFileName(minTXID, maxTXID)}; ` +
          `a file's header disagrees with its name in ${client.location}`,
      );
    }
    const file = await client.writeLtxFile({ level, minTXID, maxTXID }, stream);
    return { file, header, inputBytes: files.reduce((n, f) => n + f.size, 0) };
  } finally {
    open.destroyAll();
    await rm(dir, { recursive: true, force: true });
  }
}
