// Lists every level of a replica (L0..L9) into one array, the input of planRestore.
import { MAX_LEVEL } from '../ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';

/** All parseable LTX files of all levels, level by level in TXID order. Levels are listed concurrently. */
export async function listReplicaFiles(client: ReplicaClient): Promise<LtxFileInfo[]> {
  const levels = Array.from({ length: MAX_LEVEL + 1 }, (_, level) => level);
  const perLevel = await Promise.all(levels.map((level) => collect(client.listLtxFiles(level))));
  return perLevel.flat();
}

async function collect(files: AsyncIterable<LtxFileInfo>): Promise<LtxFileInfo[]> {
  const out: LtxFileInfo[] = [];
  for await (const f of files) out.push(f);
  return out;
}
