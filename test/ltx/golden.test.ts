// Golden files: re-encoding the fixed inputs gives the committed bytes; the goldens decode and verify; corruption is caught.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLtxBuffer, hex16 } from '../../core/ltx/decoder.ts';
import { LtxFormatError } from '../../core/ltx/errors.ts';
import { COMPACTED_NAME, goldenFiles, MANIFEST_NAME } from './golden-inputs.ts';
import { buildGoldens, FIXTURE_DIR } from './make-golden.ts';

interface ManifestEntry {
  size: number;
  pages: number;
  sha256: string;
  fileChecksum: string;
}

const manifest = JSON.parse(readFileSync(join(FIXTURE_DIR, MANIFEST_NAME), 'utf8')) as Record<string, ManifestEntry>;
const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURE_DIR, name)));

describe('LTX golden files', () => {
  it('covers every file in the manifest', () => {
    expect(Object.keys(manifest).sort()).toEqual([...goldenFiles().map((f) => f.name), COMPACTED_NAME].sort());
  });

  it('re-encodes (and re-compacts) to exactly the committed bytes', async () => {
    const rebuilt = await buildGoldens();
    for (const [name, bytes] of rebuilt) expect(Buffer.from(bytes).equals(Buffer.from(golden(name))), name).toBe(true);
  });

  it('match their manifest (sha256, size, page count, file checksum)', async () => {
    for (const [name, entry] of Object.entries(manifest)) {
      const bytes = golden(name);
      expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(entry.sha256);
      const decoded = await decodeLtxBuffer(bytes, name);
      expect(bytes.length).toBe(entry.size);
      expect(decoded.pages.length).toBe(entry.pages);
      expect(hex16(decoded.trailer.fileChecksum)).toBe(entry.fileChecksum);
    }
  });

  it('decode to their inputs', async () => {
    for (const f of goldenFiles()) {
      const decoded = await decodeLtxBuffer(golden(f.name), f.name);
      expect(decoded.header).toEqual(f.header);
      expect(decoded.pages).toEqual(f.pages);
    }
    const compacted = await decodeLtxBuffer(golden(COMPACTED_NAME), COMPACTED_NAME);
    expect(compacted.header).toMatchObject({ minTXID: 1, maxTXID: 4, commit: 5, flags: 2, walOffset: 0, nodeID: 0n });
    const [snap, wal, shrink] = goldenFiles();
    expect(compacted.pages).toEqual([shrink.pages[0], wal.pages[0], snap.pages[2], snap.pages[3], shrink.pages[1]]);
  });

  it('detect a corrupted byte in the header, a page header, a payload, the index and the trailer', async () => {
    const name = 'snapshot-4k.ltx';
    const bytes = golden(name);
    const { index } = await decodeLtxBuffer(bytes, name);
    const indexStart = index[index.length - 1].offset + index[index.length - 1].size + 6;
    const regions: Array<[string, number]> = [
      ['header', 40],
      ['page header', index[2].offset + 3],
      ['payload', index[1].offset + 10 + 100],
      ['index', indexStart + 2],
      ['trailer', bytes.length - 3],
    ];
    for (const [region, at] of regions) {
      const bad = bytes.slice();
      bad[at] ^= 0x08;
      const err = await decodeLtxBuffer(bad, name).catch((e: unknown) => e);
      expect(err, region).toBeInstanceOf(LtxFormatError);
      expect((err as LtxFormatError).file).toBe(name);
    }
  });
});
