// Go `time.ParseDuration` syntax (`1s`, `5m`, `1h30m`, `500ms`, `1.5h`) turned into milliseconds.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign, accepted by Go
  'μs': 1e-3, // U+03BC Greek mu, accepted by Go
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/** Parses a Go duration string into milliseconds; throws an Error (message without the input) when malformed. */
export function parseDuration(text: string): number {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error('empty duration');
  let total = 0;
  while (s.length > 0) {
    const m = TERM.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      throw new Error('expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 1s, 5m, 1h30m, 500ms');
    }
    const unit = UNIT_MS[m[3]];
    if (unit === undefined) throw new Error(`unknown unit "${m[3]}"; use ns, us, ms, s, m or h`);
    const value = Number(`${m[1] || '0'}.${m[2] ?? ''}0`);
    total += value * unit;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** Formats milliseconds back into Go duration syntax (used in messages and notes). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.abs(ms);
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest > 0) parts.push(`${+rest.toFixed(6)}ms`);
  return (ms < 0 ? '-' : '') + parts.join('');
}
