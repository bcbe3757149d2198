// `streambed ltxfile`: inspect, verify and build local LTX files (dump, verify, checksum, encode-db, apply).
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/fs/atomic.ts';
import { applyLtxFiles, checksumDatabaseFile, encodeDatabaseSnapshot } from '../../core/ltx/database.ts';
import { formatTXID } from '../../core/layout/names.ts';
import { hex16, LtxDecoder } from '../../core/ltx/decoder.ts';
import { readLtxIndex } from '../../core/ltx/page-index.ts';
import type { LtxHeader, LtxTrailer } from '../../core/ltx/types.ts';
import { EXIT_FAILURE, EXIT_OK, exitCodeAction, type ExitCode } from '../exit-code.ts';

function rfc3339Millis(ms: number): string {
  return new Date(ms).toISOString();
}

export function headerJson(h: LtxHeader): object {
  return {
    flags: h.flags,
    pageSize: h.pageSize,
    commit: h.commit,
    minTXID: formatTXID(h.minTXID),
    maxTXID: formatTXID(h.maxTXID),
    timestamp: rfc3339Millis(h.timestamp),
    preApplyChecksum: hex16(h.preApplyChecksum),
    walOffset: h.walOffset,
    walSize: h.walSize,
    walSalt1: h.walSalt1,
    walSalt2: h.walSalt2,
    nodeID: h.nodeID.toString(),
  };
}

function trailerJson(t: LtxTrailer): object {
  return { postApplyChecksum: hex16(t.postApplyChecksum), fileChecksum: hex16(t.fileChecksum) };
}

function fileSource(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
}

async function dump(file: string): Promise<ExitCode> {
  const dec = new LtxDecoder(fileSource(file), file);
  const header = await dec.header();
  const pages: Array<{ pgno: number; size: number; offset: number }> = [];
  for await (const _ of dec.pages());
  const trailer = await dec.trailer();
  for (const e of dec.index()) pages.push({ pgno: e.pgno, size: e.size, offset: e.offset });
  // The index block is read separately, as a ranged reader would, so the dump shows what the file stores.
  const fh = await open(file, 'r');
  let index;
  try {
    const { size } = await fh.stat();
    const readRange = async (offset: number, length: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    };
    index = (await readLtxIndex(readRange, size, file)).index;
  } finally {
    await fh.close();
  }
  const out = { file, size: dec.fileSize, header: headerJson(header), pages, index, trailer: trailerJson(trailer) };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return EXIT_OK;
}

async function verify(files: string[]): Promise<ExitCode> {
  let bad = 0;
  for (const file of files) {
    try {
      await stat(file);
      const dec = new LtxDecoder(fileSource(file), file);
      const h = await dec.header();
      let n = 0;
      for await (const _ of dec.pages()) n++;
      const t = await dec.trailer();
      process.stdout.write(`ok ${file}: ${n} pages, TXID ${formatTXID(h.minTXID)}-${formatTXID(h.maxTXID)}, checksum ${hex16(t.fileChecksum)}\n`);
    } catch (err) {
      bad++;
      process.stdout.write(`error ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return bad > 0 ? EXIT_FAILURE : EXIT_OK;
}

export function register(program: Command): void {
  const cmd = program.command('ltxfile').description('inspect, verify and build local LTX files');
  cmd
    .command('dump')
    .description('print the header, pages, index and trailer of an LTX file as JSON')
    .argument('<file>', 'LTX file')
    .action(exitCodeAction(dump));
  cmd
    .command('verify')
    .description('check LTX files completely (structure, LZ4 pages, index, file checksum); exit 1 if any is bad')
    .argument('<files...>', 'LTX files')
    .action(exitCodeAction(verify));
  cmd
    .command('checksum')
    .description('print the LTX rolling checksum of a SQLite database file (16 hex digits)')
    .argument('<db>', 'SQLite database file')
    .action(
      exitCodeAction(async (db: string) => {
        process.stdout.write(`${hex16(await checksumDatabaseFile(db))}\n`);
        return EXIT_OK;
      }),
    );
  cmd
    .command('encode-db')
    .description('write a snapshot LTX file (TXID 1-1) of a SQLite database file')
    .argument('<db>', 'SQLite database file')
    .argument('<out>', 'LTX file to write')
    .action(
      exitCodeAction(async (db: string, out: string) => {
        const { header, stream } = await encodeDatabaseSnapshot(db);
        const bytes = await writeFileAtomic(out, stream);
        process.stdout.write(`wrote ${out}: ${header.commit} pages of ${header.pageSize} bytes, ${bytes} bytes\n`);
        return EXIT_OK;
      }),
    );
  cmd
    .command('apply')
    .description('rebuild a database from a snapshot LTX file followed by later LTX files (refuses TXID gaps)')
    .argument('<out>', 'database file to write (replaced atomically)')
    .argument('<files...>', 'LTX files, snapshot first, in TXID order')
    .action(
      exitCodeAction(async (out: string, files: string[]) => {
        const header = await applyLtxFiles(out, files);
        process.stdout.write(`wrote ${out}: TXID ${formatTXID(header.maxTXID)}, ${header.commit} pages\n`);
        return EXIT_OK;
      }),
    );
}
