// Layout names and keys must match Litestream v0.5 byte for byte (spec §1.6, §1.7).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LayoutError,
  defaultMetaPath,
  fileReplicaLevelDir,
  fileReplicaLtxPath,
  formatLevelDir,
  formatLtxFileName,
  localLtxPath,
  parseLevel,
  parseLtxFileName,
  parseS3LtxKey,
  s3LevelPrefix,
  s3LtxKey,
  tryParseLtxFileName,
  tryParseS3LtxKey,
} from '../../core/layout/names.ts';

describe('LTX file names', () => {
  it('formats the examples of the spec', () => {
    expect(formatLtxFileName(5, 5)).toBe('0000000000000005-0000000000000005.ltx');
    expect(formatLtxFileName(1, 0x10)).toBe('0000000000000001-0000000000000010.ltx');
    expect(formatLtxFileName(1, 200)).toBe('0000000000000001-00000000000000c8.ltx');
    expect(formatLtxFileName(0, Number.MAX_SAFE_INTEGER)).toBe('0000000000000000-001fffffffffffff.ltx');
  });

  it('parses what it formats, for any safe TXIDs', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (a, b) => {
        expect(parseLtxFileName(formatLtxFileName(a, b))).toEqual({ minTXID: a, maxTXID: b });
      }),
    );
  });

  it('refuses bad names with the name and the expected pattern in the message', () => {
    for (const bad of ['0000000000000005-0000000000000005.LTX', '000000000000005-0000000000000005.ltx', '0000000000000005-000000000000000A.ltx', 'x.ltx', '0000000000000005-0000000000000005.ltx.tmp']) {
      expect(() => parseLtxFileName(bad)).toThrow(LayoutError);
      expect(() => parseLtxFileName(bad)).toThrow(bad);
      expect(() => parseLtxFileName(bad)).toThrow('^[0-9a-f]{16}-[0-9a-f]{16}\\.ltx$');
      expect(tryParseLtxFileName(bad)).toBeNull();
    }
  });

  it('refuses TXIDs above 2^53-1 instead of rounding them', () => {
    expect(() => parseLtxFileName('0020000000000000-0020000000000000.ltx')).toThrow(/2\^53-1/);
    expect(tryParseLtxFileName('ffffffffffffffff-ffffffffffffffff.ltx')).toBeNull();
    expect(() => formatLtxFileName(-1, 1)).toThrow(LayoutError);
    expect(() => formatLtxFileName(1.5, 2)).toThrow(LayoutError);
  });
});

describe('levels and S3 keys', () => {
  it('formats levels as 4 hex digits', () => {
    expect(formatLevelDir(0)).toBe('0000');
    expect(formatLevelDir(9)).toBe('0009');
    expect(parseLevel('0009')).toBe(9);
    expect(() => parseLevel('9')).toThrow(LayoutError);
    expect(() => parseLevel('000a')).toThrow(/out of range/);
    expect(() => formatLevelDir(10)).toThrow(/0 to 9/);
  });

  it('builds Litestream S3 keys, with a leading slash for an empty path', () => {
    expect(s3LevelPrefix('db.sqlite', 0)).toBe('db.sqlite/0000/');
    expect(s3LevelPrefix('', 1)).toBe('/0001/');
    expect(s3LtxKey('db.sqlite', { level: 0, minTXID: 7, maxTXID: 7 })).toBe('db.sqlite/0000/0000000000000007-0000000000000007.ltx');
    expect(s3LtxKey('a/b', { level: 9, minTXID: 1, maxTXID: 200 })).toBe('a/b/0009/0000000000000001-00000000000000c8.ltx');
  });

  it('parses S3 keys back', () => {
    expect(parseS3LtxKey('a/b/0009/0000000000000001-00000000000000c8.ltx')).toEqual({ path: 'a/b', level: 9, minTXID: 1, maxTXID: 200 });
    expect(parseS3LtxKey('/0001/0000000000000001-0000000000000002.ltx')).toEqual({ path: '', level: 1, minTXID: 1, maxTXID: 2 });
    expect(parseS3LtxKey('0000/0000000000000003-0000000000000003.ltx').path).toBe('');
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9._-]{0,12}(\/[a-z0-9._-]{1,8}){0,2}$/), fc.integer({ min: 0, max: 9 }), fc.maxSafeNat(), fc.maxSafeNat(), (path, level, min, max) => {
        expect(parseS3LtxKey(s3LtxKey(path, { level, minTXID: min, maxTXID: max }))).toEqual({ path, level, minTXID: min, maxTXID: max });
      }),
    );
  });

  it('refuses keys that are not LTX keys, naming the key', () => {
    expect(() => parseS3LtxKey('db/ltx/0/0000000000000001-0000000000000001.ltx')).toThrow('db/ltx/0/0000000000000001-0000000000000001.ltx');
    expect(() => parseS3LtxKey('db/0000/notes.txt')).toThrow(LayoutError);
    expect(() => parseS3LtxKey('nothing')).toThrow(/expected <path>/);
    expect(tryParseS3LtxKey('db/0000/notes.txt')).toBeNull();
  });
});

describe('file replica and local staging paths', () => {
  it('uses decimal levels under ltx/', () => {
    expect(fileReplicaLevelDir('/backups/db', 9)).toBe('/backups/db/ltx/9');
    expect(fileReplicaLtxPath('/backups/db', { level: 1, minTXID: 1, maxTXID: 16 })).toBe('/backups/db/ltx/1/0000000000000001-0000000000000010.ltx');
  });

  it('puts staging next to the database', () => {
    expect(defaultMetaPath('/data/app.db')).toBe('/data/.app.db-streambed');
    expect(defaultMetaPath('app.db')).toBe('.app.db-streambed');
    expect(localLtxPath('/data/.app.db-streambed', { level: 0, minTXID: 5, maxTXID: 5 })).toBe('/data/.app.db-streambed/ltx/0/0000000000000005-0000000000000005.ltx');
  });
});
