// The local L0 store (`<meta>/ltx/0/`): lists, writes (durably or in the background), opens for upload and prunes L0 files.
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '../../core/fs/atomic.ts';
import { LtxDecoder } from '../../core/ltx/decoder.ts';
import { encodeLtx, encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { decodeHeader } from '../../core/ltx/header.ts';
import { HEADER_SIZE } from '../../core/ltx/types.ts';
import type { LtxHeader, LtxPage, TXID } from '../../core/ltx/types.ts';
import { formatTXID, localLevelDir, localLtxPath, tryParseLtxFileName } from '../../core/layout/names.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';

/** Above this size a local L0 file is streamed to the replica instead of read whole. */
const STREAM_THRESHOLD = 16 * 1024 * 1024;

/** A local L0 file by name (min = max TXID). */
export interface L0Entry {
  txid: TXID;
  path: string;
}

/** What the uploader needs to ship one local L0 file; `Database.sync()` returns one for every file it wrote. */
export interface L0File extends L0Entry {
  /** The LTX header timestamp (ms since the epoch), stored with the object as `litestream-timestamp`. */
  timestamp: number;
  size: number;
  /** The encoded file while its background write runs (the upload need not wait for the disk); cleared once written. */
  bytes?: Uint8Array;
}

/** An L0 file opened for upload: small files whole (retryable by the SDK), large ones as a stream. */
export interface L0Body {
  body: Uint8Array | Readable;
  size: number;
}

export class L0Store {
  readonly dir: string;
  private readonly metaPath: string;
  private readonly logger: Logger;
  /** Files whose background write has not finished yet, by TXID. */
  private readonly unwritten = new Map<TXID, L0File>();
  /** Background writes, chained so files reach the disk in TXID order; never rejects. */
  private writing: Promise<void> = Promise.resolve();
  private writeFailure: string | null = null;

  constructor(metaPath: string, logger: Logger = silentLogger()) {
    this.metaPath = metaPath;
    this.logger = logger;
    this.dir = localLevelDir(metaPath, 0);
  }

  path(txid: TXID): string {
    return localLtxPath(this.metaPath, { level: 0, minTXID: txid, maxTXID: txid });
  }

  /** L0 files (min = max TXID) in ascending TXID order; other names are ignored. */
  async list(): Promise<L0Entry[]> {
    const files: L0Entry[] = [];
    for (const name of await this.names()) {
      const parsed = tryParseLtxFileName(name);
      if (parsed && parsed.minTXID === parsed.maxTXID) files.push({ txid: parsed.maxTXID, path: join(this.dir, name) });
    }
    return files.sort((a, b) => a.txid - b.txid);
  }

  /** Removes temporary files left by a crash in the middle of a write (`<name>.tmp…`). */
  async removeTempFiles(): Promise<number> {
    let removed = 0;
    for (const name of await this.names()) {
      if (/\.tmp(-[0-9a-f]+)?$/.test(name)) {
        await rm(join(this.dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  private async names(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Moves a corrupt L0 file aside (`.corrupt`) so it is neither uploaded nor taken as the position again. */
  async quarantine(path: string): Promise<string> {
    const target = `${path}.corrupt`;
    await rename(path, target);
    return target;
  }

  /**
   * Writes an L0 file via tmp + fsync + rename + directory fsync. `verifyAfterRead` runs after the last page
   * was read; throwing there discards the file (used to reject reads of a WAL that was restarted meanwhile).
   */
  async write(header: LtxHeader, pages: Iterable<LtxPage>, verifyAfterRead: () => void): Promise<L0File> {
    const txid = header.maxTXID;
    const path = this.path(txid);
    await mkdir(this.dir, { recursive: true });
    const size = await writeFileAtomic(path, encodeLtx(header, thenCheck(pages, verifyAfterRead), { name: path }));
    return { txid, path, timestamp: header.timestamp, size };
  }

  /**
   * Encodes an L0 file in memory and queues its write behind earlier ones, so the upload can start while the file
   * and directory fsyncs run. A failed write is reported once by `takeWriteFailure()`.
   */
  async writeInBackground(header: LtxHeader, pages: Iterable<LtxPage>, verifyAfterRead: () => void): Promise<L0File> {
    const txid = header.maxTXID;
    const path = this.path(txid);
    const bytes = await encodeLtxToBuffer(header, thenCheck(pages, verifyAfterRead), { name: path });
    const file: L0File = { txid, path, timestamp: header.timestamp, size: bytes.length, bytes };
    this.unwritten.set(txid, file);
    this.writing = this.writing.then(async () => {
      try {
        // A newer file queued behind this one fsyncs the directory for both renames (one fsync covers every rename
        // before it), so this one skips its own; the directory is created only when missing.
        const newerQueued = [...this.unwritten.keys()].some((t) => t > txid);
        await writeFileAtomic(path, bytes, { createDir: true, syncDir: !newerQueued });
      } catch (err) {
        this.writeFailure = `L0 file ${path} could not be written: ${(err as Error).message}`;
        this.logger.error({ txid: formatTXID(txid), path, err: (err as Error).message }, 'writing L0 file failed; the next file is a snapshot');
      } finally {
        delete file.bytes;
        this.unwritten.delete(txid);
      }
    });
    return file;
  }

  /** Files still waiting for their background write. */
  get backgroundWrites(): number {
    return this.unwritten.size;
  }

  /** Resolves when every queued background write has finished (successfully or not). */
  settled(): Promise<void> {
    return this.writing;
  }

  /** The reason a background write failed since the last call, if one did (continuity on disk is lost). */
  takeWriteFailure(): string | null {
    const failure = this.writeFailure;
    this.writeFailure = null;
    return failure;
  }

  /**
   * The record of a file this process did not write (or no longer holds), read from its LTX header. Rejects with
   * ENOENT when the file is gone.
   */
  async file(txid: TXID): Promise<L0File> {
    const pending = this.unwritten.get(txid);
    if (pending) return pending;
    const path = this.path(txid);
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const head = new Uint8Array(HEADER_SIZE);
      const { bytesRead } = await fh.read(head, 0, HEADER_SIZE, 0);
      const header = decodeHeader(head.subarray(0, bytesRead), path);
      return { txid, path, timestamp: header.timestamp, size };
    } finally {
      await fh.close();
    }
  }

  /** The file's bytes for upload: from memory while its write runs, else from disk. Rejects with ENOENT when gone. */
  async openForUpload(file: L0File, streamThreshold = STREAM_THRESHOLD): Promise<L0Body> {
    const bytes = file.bytes;
    if (bytes) return { body: bytes, size: bytes.length };
    const fh = await open(file.path, 'r');
    try {
      const { size } = await fh.stat();
      if (size > streamThreshold) return { body: fh.createReadStream({ start: 0, autoClose: true }), size };
      const body = await fh.readFile();
      await fh.close();
      return { body, size: body.length };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Removes L0 files with TXID ≤ uploaded whose mtime is older than retentionMs, never the newest local file
   * (it holds the position). Returns how many were removed. Files are written in TXID order, so the first one
   * too young to go ends the scan (one stat, not one per file, for an agent that keeps many young files); one
   * dated in the future (the clock was set back) does not.
   */
  async prune(uploaded: TXID, retentionMs: number, now: number): Promise<number> {
    const files = await this.list();
    const newest = files.at(-1)?.txid ?? 0;
    let removed = 0;
    for (const file of files) {
      if (file.txid > uploaded || file.txid === newest) break;
      try {
        const age = now - (await stat(file.path)).mtimeMs;
        if (age < 0) continue;
        if (age < retentionMs) break;
        await rm(file.path, { force: true });
        removed++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return removed;
  }

  /** Removes every local L0 file with TXID ≤ txid (their names would collide with other files in the replica). */
  async removeThrough(txid: TXID): Promise<void> {
    for (const file of await this.list()) {
      if (file.txid <= txid) await rm(file.path, { force: true });
    }
  }
}

/**
 * Decodes a whole L0 file (verifying every page and the file checksum); returns one page's data if asked, by number
 * or by a function of the header.
 */
export async function decodeL0File(
  path: string,
  want?: number | ((header: LtxHeader) => number | null),
): Promise<{ header: LtxHeader; page: Uint8Array | null }> {
  const decoder = new LtxDecoder(createReadStream(path, { highWaterMark: 1 << 20 }), path);
  const header = await decoder.header();
  const wantPgno = typeof want === 'function' ? want(header) : want;
  let page: Uint8Array | null = null;
  for await (const p of decoder.pages()) {
    if (p.pgno === wantPgno) page = p.data;
  }
  await decoder.trailer();
  return { header, page };
}

/** Runs `check` once every page has been produced, before the file can be renamed into place. */
function* thenCheck(pages: Iterable<LtxPage>, check: () => void): Generator<LtxPage> {
  yield* pages;
  check();
}
