// Test helper: turns successive states of a real SQLite file into L0 LTX files, compacted levels and snapshots.
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compactLtx } from '../../core/ltx/compactor.ts';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { encodeLtx } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { lockPgno, SNAPSHOT_LEVEL, type LtxPage, type TXID } from '../../core/ltx/types.ts';
import type { LtxFileInfo, LtxFileRef, ReplicaClient } from '../../core/replica/client.ts';

/** The database as it was right after one TXID: a copy of the file and its checksum. */
export interface ShadowState {
  txid: TXID;
  timestamp: Date;
  path: string;
  checksum: bigint;
  pageSize: number;
  commit: number;
}

export const BASE_TIME = Date.UTC(2026, 0, 1, 0, 0, 0);

export function timestampOf(txid: TXID): Date {
  return new Date(BASE_TIME + txid * 1000);
}

function splitPages(file: Buffer, pageSize: number): Buffer[] {
  const pages: Buffer[] = [];
  for (let off = 0; off + pageSize <= file.length; off += pageSize) pages.push(file.subarray(off, off + pageSize));
  return pages;
}

async function* fromClient(client: ReplicaClient, ref: LtxFileRef): AsyncGenerator<Uint8Array> {
  for await (const chunk of await client.openLtxFile(ref)) yield chunk as Uint8Array;
}

export class ReplicaBuilder {
  readonly client: ReplicaClient;
  readonly shadowDir: string;
  readonly shadows: ShadowState[] = [];
  #previous: Buffer[] = [];

  constructor(client: ReplicaClient, shadowDir: string) {
    this.client = client;
    this.shadowDir = shadowDir;
  }

  get txid(): TXID {
    return this.shadows.length;
  }

  /** Writes the pages that changed since the last call as the next L0 file (the first call writes everything). */
  async commit(dbPath: string): Promise<ShadowState> {
    const file = await readFile(dbPath);
    const pageSize = file.readUInt16BE(16) === 1 ? 65536 : file.readUInt16BE(16);
    const pages = splitPages(file, pageSize);
    const lock = lockPgno(pageSize);
    const changed: LtxPage[] = [];
    pages.forEach((data, i) => {
      const prev = this.#previous[i];
      if (i + 1 !== lock && (!prev || !prev.equals(data))) changed.push({ pgno: i + 1, data });
    });
    const txid = this.txid + 1;
    const timestamp = timestampOf(txid);
    const header = newHeader({ pageSize, commit: pages.length, minTXID: txid, maxTXID: txid, timestamp: timestamp.getTime() });
    await this.client.writeLtxFile({ level: 0, minTXID: txid, maxTXID: txid }, encodeLtx(header, changed));
    this.#previous = pages;
    const path = join(this.shadowDir, `shadow-${txid}.db`);
    await copyFile(dbPath, path);
    const shadow = { txid, timestamp, path, checksum: await checksumDatabaseFile(path), pageSize, commit: pages.length };
    this.shadows.push(shadow);
    return shadow;
  }

  /** Merges the files of `fromLevel` that cover exactly minTXID..maxTXID into one file at `level`. */
  async compact(level: number, minTXID: TXID, maxTXID: TXID, fromLevel = 0): Promise<LtxFileInfo> {
    const inputs: LtxFileInfo[] = [];
    for await (const f of this.client.listLtxFiles(fromLevel)) if (f.minTXID >= minTXID && f.maxTXID <= maxTXID) inputs.push(f);
    if (inputs.length === 0 || inputs[0].minTXID !== minTXID || inputs.at(-1)?.maxTXID !== maxTXID) {
      throw new Error(`L${fromLevel} files do not cover ${minTXID}-${maxTXID} exactly`);
    }
    const { header, stream } = await compactLtx(inputs.map((f) => ({ source: fromClient(this.client, f), name: `L${f.level} ${f.minTXID}-${f.maxTXID}` })));
    return this.client.writeLtxFile({ level, minTXID, maxTXID }, stream);
  }

  /** Writes an L9 snapshot of the state at `txid`, built from the shadow copy (as Litestream builds it from the live db). */
  async snapshot(txid: TXID): Promise<LtxFileInfo> {
    const shadow = this.shadows[txid - 1];
    const pages = splitPages(await readFile(shadow.path), shadow.pageSize);
    const lock = lockPgno(shadow.pageSize);
    const header = newHeader({ pageSize: shadow.pageSize, commit: pages.length, minTXID: 1, maxTXID: txid, timestamp: shadow.timestamp.getTime() });
    const body = encodeLtx(header, pages.flatMap((data, i) => (i + 1 === lock ? [] : [{ pgno: i + 1, data }])));
    return this.client.writeLtxFile({ level: SNAPSHOT_LEVEL, minTXID: 1, maxTXID: txid }, body);
  }
}
