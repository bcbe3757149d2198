// TXID fields in JSON output: 16 hex digits wherever the key names a TXID, numbers elsewhere untouched.
import { describe, expect, it } from 'vitest';
import { txidReplacer, withHexTXIDs } from '../../core/layout/txid-json.ts';

describe('TXIDs in JSON', () => {
  it('formats txid, minTXID, maxTXID and *TXID keys at any depth, and nothing else', () => {
    const report = {
      txid: 42,
      size: 42,
      written: { level: 1, minTXID: 1, maxTXID: 255, createdAt: new Date(0) },
      deleted: [{ level: 0, minTXID: 2 ** 40, maxTXID: 2 ** 40 }],
      windowStartTXID: 0,
      note: 'TXID 7',
    };
    expect(withHexTXIDs(report)).toEqual({
      txid: '000000000000002a',
      size: 42,
      written: { level: 1, minTXID: '0000000000000001', maxTXID: '00000000000000ff', createdAt: '1970-01-01T00:00:00.000Z' },
      deleted: [{ level: 0, minTXID: '0000010000000000', maxTXID: '0000010000000000' }],
      windowStartTXID: '0000000000000000',
      note: 'TXID 7',
    });
    expect(JSON.stringify({ restorableTXID: 12, pages: 12 }, txidReplacer)).toBe('{"restorableTXID":"000000000000000c","pages":12}');
  });
});
