// Byte sizes as go-humanize ParseBytes reads them: `5MB` (SI, 1000-based), `5MiB` (IEC, 1024-based), `10485760`.

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3, kb: 1e3, ki: 2 ** 10, kib: 2 ** 10,
  m: 1e6, mb: 1e6, mi: 2 ** 20, mib: 2 ** 20,
  g: 1e9, gb: 1e9, gi: 2 ** 30, gib: 2 ** 30,
  t: 1e12, tb: 1e12, ti: 2 ** 40, tib: 2 ** 40,
  p: 1e15, pb: 1e15, pi: 2 ** 50, pib: 2 ** 50,
};

const SIZE = /^([0-9][0-9_,]*(?:\.[0-9]*)?)\s*([a-zA-Z]*)$/;

/** Parses a byte size into a whole number of bytes; throws an Error (message without the input) when malformed. */
export function parseByteSize(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new Error('expected a byte size such as 10485760, 5MB or 5MiB');
  const multiplier = MULTIPLIERS[m[2].toLowerCase()];
  if (multiplier === undefined) throw new Error(`unknown size unit "${m[2]}"; use B, KB, MB, GB, TB (1000-based) or KiB, MiB, GiB, TiB (1024-based)`);
  const bytes = Math.floor(Number(m[1].replace(/[_,]/g, '')) * multiplier);
  if (!Number.isSafeInteger(bytes)) throw new Error('byte size is too large');
  return bytes;
}
