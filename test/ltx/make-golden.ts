// Writes the LTX golden files and their manifest into test/fixtures/ltx. Run once: node test/ltx/make-golden.ts [--force]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactLtx } from '../../core/ltx/compactor.ts';
import { decodeLtxBuffer, hex16 } from '../../core/ltx/decoder.ts';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { COMPACTED_INPUTS, COMPACTED_NAME, goldenFiles, MANIFEST_NAME } from './golden-inputs.ts';
import { chunked, concat } from './helpers.ts';

export const FIXTURE_DIR = new URL('../fixtures/ltx/', import.meta.url).pathname;

export async function buildGoldens(): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const f of goldenFiles()) out.set(f.name, await encodeLtxToBuffer(f.header, f.pages, { postApplyChecksum: f.postApplyChecksum }));
  const { stream } = await compactLtx(COMPACTED_INPUTS.map((name) => ({ name, source: chunked(out.get(name) as Uint8Array, 4096) })));
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  out.set(COMPACTED_NAME, concat(chunks));
  return out;
}

export async function manifestOf(files: Map<string, Uint8Array>): Promise<Record<string, object>> {
  const manifest: Record<string, object> = {};
  for (const [name, bytes] of files) {
    const { trailer, pages } = await decodeLtxBuffer(bytes, name);
    manifest[name] = {
      size: bytes.length,
      pages: pages.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      fileChecksum: hex16(trailer.fileChecksum),
    };
  }
  return manifest;
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const manifestPath = join(FIXTURE_DIR, MANIFEST_NAME);
  if (existsSync(manifestPath) && !force) {
    process.stderr.write(`${manifestPath} exists; golden files are written once (use --force to rewrite them)\n`);
    process.exitCode = 2;
    return;
  }
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const files = await buildGoldens();
  for (const [name, bytes] of files) writeFileSync(join(FIXTURE_DIR, name), bytes);
  writeFileSync(manifestPath, `${JSON.stringify(await manifestOf(files), null, 2)}\n`);
  process.stdout.write(`wrote ${files.size} golden files and ${MANIFEST_NAME} to ${FIXTURE_DIR}\n`);
}

if (process.argv[1] && /make-golden\.ts$/.test(process.argv[1])) await main();
