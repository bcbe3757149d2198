// Guard: every host reads TXIDs and RFC 3339 times through core's one parser, so they accept and refuse alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestampFlag, parseTxidFlag } from '../../cli/commands/restore.ts';
import { UsageError } from '../../core/errors.ts';
import { formatTXID, parseLtxFileName, parseTXID } from '../../core/layout/names.ts';
import { parseRfc3339 } from '../../core/replica/timestamp.ts';
import { parseRestoreRequest } from '../../functions/restore/input.ts';

/** What each host makes of a TXID text: the number, or 'refused' (a usage error naming the input). */
function txidAt(host: 'core' | 'cli' | 'lambda', text: string): number | 'refused' {
  try {
    if (host === 'core') return parseTXID(text);
    if (host === 'cli') return parseTxidFlag(text);
    return parseRestoreRequest({ path: 'app.db', txid: text }).txid ?? Number.NaN;
  } catch (err) {
    if (host !== 'core') expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(text);
    return 'refused';
  }
}

function timeAt(host: 'core' | 'cli' | 'lambda', text: string): number | 'refused' {
  try {
    if (host === 'core') return parseRfc3339(text)?.getTime() ?? 'refused';
    if (host === 'cli') return parseTimestampFlag(text).getTime();
    return parseRestoreRequest({ path: 'app.db', timestamp: text }).timestamp?.getTime() ?? Number.NaN;
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return 'refused';
  }
}

const TXIDS = [
  '0000000000000001', '000000000000002a', '000000000000002A', '001fffffffffffff', // accepted
  '0000000000000000', '002000000000000', '0020000000000000', 'ffffffffffffffff', '7', '2a', '42', 'xyz', '00000000000000001', // refused
];
const TIMES = [
  '2026-11-26T10:00:00Z', '2026-11-26t10:00:00z', '2026-11-26T10:00:00.123456789Z', '2026-11-26T10:00:00.5+02:00', // accepted
  '2026-11-26 10:00:00Z', '2026-11-26T10:00Z', '2026-11-26', '1764151200', '2026-13-01T00:00:00Z', 'yesterday', // refused
];

describe('one TXID parser', () => {
  it.each(TXIDS)('%s: core, the CLI flag and the restore Lambda agree', (text) => {
    const core = txidAt('core', text);
    expect(txidAt('cli', text)).toEqual(core);
    expect(txidAt('lambda', text)).toEqual(core);
  });

  it('formatTXID and parseTXID round-trip, and agree with LTX file names', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (txid) => {
      const text = formatTXID(txid);
      expect(text).toMatch(/^[0-9a-f]{16}$/);
      expect(parseTXID(text)).toBe(txid);
      expect(parseLtxFileName(`${text}-${text}.ltx`)).toEqual({ minTXID: txid, maxTXID: txid });
    }));
  });
});

describe('one RFC 3339 parser', () => {
  it.each(TIMES)('%s: core, the CLI flag and the restore Lambda agree', (text) => {
    const core = timeAt('core', text);
    expect(timeAt('cli', text)).toEqual(core);
    expect(timeAt('lambda', text)).toEqual(core);
  });

  it('keeps milliseconds and honours offsets', () => {
    expect(timeAt('core', '2026-11-26T10:00:00.123456789Z')).toBe(Date.UTC(2026, 10, 26, 10, 0, 0, 123));
    expect(timeAt('core', '2026-11-26T12:00:00+02:00')).toBe(Date.UTC(2026, 10, 26, 10));
  });
});
