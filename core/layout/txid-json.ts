// TXIDs in JSON output as 16 hex digits: reports keep numbers for computing, and are converted where they are printed.
import { formatTXID } from './names.ts';

/** `txid`, `minTXID`, `maxTXID`, `windowStartTXID`, …: the keys whose numbers are TXIDs. */
function isTxidKey(key: string): boolean {
  return key === 'txid' || key.endsWith('TXID');
}

/** A value after withHexTXIDs: TXID numbers become strings, dates ISO strings, as JSON.stringify would write them. */
export type HexTXIDs<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Array<HexTXIDs<U>>
    : T extends object
      ? { [K in keyof T]: K extends 'txid' | `${string}TXID` ? (NonNullable<T[K]> extends number ? string | Extract<T[K], undefined> : HexTXIDs<T[K]>) : HexTXIDs<T[K]> }
      : T;

/** A JSON.stringify replacer that writes every TXID field as 16 hex digits. */
export function txidReplacer(key: string, value: unknown): unknown {
  return typeof value === 'number' && isTxidKey(key) ? formatTXID(value) : value;
}

/** A JSON-ready copy of `value` with every TXID field as 16 hex digits (for Lambda results and log attributes). */
export function withHexTXIDs<T>(value: T): HexTXIDs<T> {
  return JSON.parse(JSON.stringify(value, txidReplacer)) as HexTXIDs<T>;
}
