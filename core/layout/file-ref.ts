// The identity of one LTX file in any layout: its level and TXID range, which its name encodes.
import type { TXID } from '../ltx/types.ts';

/** Identifies one LTX file in a replica. */
export interface LtxFileRef {
  level: number;
  minTXID: TXID;
  maxTXID: TXID;
}
