// `litestream-timestamp` metadata values: Go RFC3339Nano text (trailing fractional zeros trimmed) to and from Date.

/** Formats like Go's time.RFC3339Nano in UTC: `2026-11-26T02:01:16.12Z`, `2026-11-26T02:01:16Z`. */
export function formatRfc3339Nano(date: Date): string {
  const iso = date.toISOString(); // always YYYY-MM-DDTHH:MM:SS.mmmZ
  const seconds = iso.slice(0, 19);
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return fraction ? `${seconds}.${fraction}Z` : `${seconds}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses RFC 3339 with any number of fractional digits (Go writes up to 9); sub-millisecond digits are dropped. */
export function parseRfc3339(text: string): Date | null {
  const m = RFC3339.exec(text.trim());
  if (!m) return null;
  const millis = (m[3] ?? '').slice(0, 3).padEnd(3, '0');
  const zone = m[4].toUpperCase();
  const ms = Date.parse(`${m[1]}T${m[2]}.${millis}${zone}`);
  return Number.isNaN(ms) ? null : new Date(ms);
}
