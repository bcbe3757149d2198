// followReplica: keeps a restored database up to date by polling its replica and applying new LTX files in TXID order.
//
// Each poll lists level 0 from the next TXID on (one LIST request: S3 StartAfter / a directory read), so an idle
// follower costs one request per interval. The files due are downloaded and applied oldest first, together as one
// SQLite transaction appended to the copy's WAL (wal-apply.ts explains why that keeps readers in other processes
// consistent). When the next L0 files are gone (compacted away, or the follower was behind retention), the whole
// replica is listed once and the restore plan is asked for the cheapest way on from the current TXID: files of
// higher levels, or, when nothing bridges the gap, the newest snapshot and what follows it, whose pages then
// replace every page of the copy in one transaction (still atomic for readers; the WAL briefly holds the database).
// A gap nothing bridges (a file lost for good) is logged once and retried each poll; the copy stays at its TXID.
// With `saveTxid` the TXID goes to `<output>.txid` after each published batch, so a restarted follower resumes; after
// a crash between the two it lags the copy by one batch, whose files are re-applied inside the next single
// transaction, so every commit readers can see is still a state of the source.
import { LtxDecoder } from '../ltx/decoder.ts';
import { SNAPSHOT_LEVEL, type TXID } from '../ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { Prefetcher } from './fetch.ts';
import { checkHeader } from './header-check.ts';
import { listReplicaFiles } from './list.ts';
import { planRestore } from './plan.ts';
import { writeFollowTxid } from './follow-txid.ts';
import { fileLocation, formatTXID, ltxName } from './refs.ts';
import type { Logger } from '../log/logger.ts';
import { WalApplier, type WalBatch } from './wal-apply.ts';

export const DEFAULT_FOLLOW_INTERVAL_MS = 1000;

export interface FollowOptions {
  /** The restored database (its state is `txid`). */
  outputPath: string;
  /** The TXID the database is at when following starts. */
  txid: TXID;
  /** Between polls; default 1 s. */
  intervalMs?: number;
  /** GETs in flight when several files are due at once; default 4. */
  parallelism?: number;
  /** Stops following after the current poll: a batch being applied is completed or dropped whole, never torn. */
  signal?: AbortSignal;
  logger?: Logger;
  /** Record each new TXID in `<output>.txid` (follow-txid.ts) after the batch is published, so a restart can resume. */
  saveTxid?: boolean;
  /** After each applied batch, with the new TXID and the files applied. */
  onApplied?: (txid: TXID, files: readonly LtxFileInfo[]) => void;
}

export interface FollowResult {
  /** The TXID the copy was left at. */
  txid: TXID;
  /** Transactions (LTX files) applied while following. */
  files: number;
}

/** Polls until `signal` aborts; returns where the copy was left. Errors of one poll are logged and retried. */
export async function followReplica(client: ReplicaClient, options: FollowOptions): Promise<FollowResult> {
  const interval = options.intervalMs ?? DEFAULT_FOLLOW_INTERVAL_MS;
  const applier = WalApplier.open(options.outputPath);
  const state = { txid: options.txid, files: 0, lastProblem: '' };
  try {
    while (!options.signal?.aborted) {
      try {
        const due = await nextFiles(client, state.txid, options.logger);
        if (due.length > 0 && !options.signal?.aborted) {
          await applyFiles(client, applier, due, state, options);
          if (options.saveTxid) await writeFollowTxid(options.outputPath, state.txid);
        }
        state.lastProblem = '';
      } catch (err) {
        if (options.signal?.aborted) break;
        const message = err instanceof Error ? err.message : String(err);
        // Once per distinct problem: a stuck follower says why, without a line every second.
        if (message !== state.lastProblem) options.logger?.warn({ txid: formatTXID(state.txid), err: message }, 'follow: cannot apply the next files; retrying every interval');
        state.lastProblem = message;
      }
      await sleep(interval, options.signal);
    }
  } finally {
    applier.close();
  }
  return { txid: state.txid, files: state.files };
}

/** The files that take the copy past `txid`, in apply order; empty when the replica has nothing newer. */
export async function nextFiles(client: ReplicaClient, txid: TXID, logger?: Logger): Promise<LtxFileInfo[]> {
  const l0: LtxFileInfo[] = [];
  for await (const f of client.listLtxFiles(0, { minTXID: txid + 1 })) l0.push(f);
  const run = contiguousRun(l0, txid);
  if (run.length > 0 || l0.length === 0) return run;
  return bridgeGap(client, txid, logger);
}

/** L0 files that follow `txid` without a hole (L0 files are whole syncs and never overlap). */
function contiguousRun(sortedByMin: readonly LtxFileInfo[], txid: TXID): LtxFileInfo[] {
  const run: LtxFileInfo[] = [];
  let next = txid + 1;
  for (const f of sortedByMin) {
    if (f.minTXID > next) break;
    if (f.minTXID < next || f.maxTXID < f.minTXID) continue;
    run.push(f);
    next = f.maxTXID + 1;
  }
  return run;
}

/**
 * The restore plan over every level, given the copy as a free snapshot [1, txid]: the cheapest chain then starts
 * from the copy whenever files of some level bridge the gap, and from a real snapshot only when none does.
 */
async function bridgeGap(client: ReplicaClient, txid: TXID, logger?: Logger): Promise<LtxFileInfo[]> {
  const files = await listReplicaFiles(client);
  const copy: LtxFileInfo = { level: SNAPSHOT_LEVEL, minTXID: 1, maxTXID: txid, size: 0, createdAt: new Date(0) };
  const plan = planRestore([...files, copy], {}, { location: client.location });
  if (plan.txid <= txid) return [];
  const fromCopy = plan.files[0] === copy;
  const chain = fromCopy ? plan.files.slice(1) : plan.files;
  logger?.info(
    { txid: formatTXID(txid), to: formatTXID(plan.txid), files: chain.map((f) => fileLocation(client, f)) },
    fromCopy ? 'follow: the next L0 files are gone; continuing from compacted levels' : 'follow: no file continues from the copy; re-applying the newest snapshot',
  );
  return chain;
}

/**
 * Downloads the files (in parallel) and appends them as ONE WAL transaction, committed only after every file's
 * checksums passed: each commit in the copy's WAL is then a state of the source, even when a restarted follower
 * re-applies files it had already applied (its TXID file lags the copy by at most one batch). A failure leaves the
 * copy where it was; the next poll tries again.
 */
async function applyFiles(
  client: ReplicaClient,
  applier: WalApplier,
  files: readonly LtxFileInfo[],
  state: { txid: TXID; files: number },
  options: FollowOptions,
): Promise<void> {
  const prefetcher = new Prefetcher(client, files, { parallelism: options.parallelism ?? 4 });
  const stop = (): void => prefetcher.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  let batch: WalBatch | undefined;
  let committed = false;
  try {
    batch = applier.begin();
    let commit = 0;
    for (let i = 0; i < files.length; i++) commit = await applyFile(files[i], prefetcher.source(i), batch, applier.pageSize);
    batch.commit(commit);
    committed = true;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    prefetcher.close();
    batch?.end(); // publishes the transaction if it was committed; pages without a commit are never visible
  }
  if (committed) {
    state.txid = files[files.length - 1].maxTXID;
    state.files += files.length;
    options.onApplied?.(state.txid, files);
  }
}

/** Appends one file's pages to the batch after checking its header; resolves with its database size in pages once its checksums passed. */
async function applyFile(file: LtxFileInfo, source: AsyncIterable<Uint8Array>, batch: WalBatch, pageSize: number): Promise<number> {
  const decoder = new LtxDecoder(source, ltxName(file));
  try {
    const header = await decoder.header();
    checkHeader(ltxName(file), file, header, file.level === SNAPSHOT_LEVEL, pageSize);
    for (;;) {
      const next = decoder.readPage();
      const page = next instanceof Promise ? await next : next;
      if (page === null) break;
      batch.page(page.pgno, page.data);
    }
    await decoder.trailer(); // verifies the checksums before the transaction can be committed
    return header.commit;
  } catch (err) {
    await decoder.close().catch(() => undefined);
    throw err;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
