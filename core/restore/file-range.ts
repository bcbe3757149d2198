// Positional reads of a file replica's LTX files straight into the restore's buffers, instead of through a read stream.
import { open } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { fileReplicaLtxPath } from '../layout/names.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { NotFoundError } from '../replica/client.ts';
import { FileReplicaClient } from '../replica/file.ts';

/** What a positional read found: the bytes read, and the file's size on disk (to tell "shorter/longer than listed"). */
export interface RangeRead {
  bytesRead: number;
  fileSize: number;
}

/** Reads `target.length` bytes of `file` from `offset` into `target` (fewer only at the end of the file). */
export type RangeReader = (file: LtxFileInfo, offset: number, target: Uint8Array) => Promise<RangeRead>;

/**
 * A reader for a plain FileReplicaClient. Its read stream allocates a new 64 KiB Buffer per read, which the
 * restore then copies into its own buffer: for a 469 MB snapshot that was ~20 MiB more peak RSS and ~0.3 user
 * CPU-s (docs/benchmarks.md § Restore). A client whose openLtxFile is overridden (a wrapper, a test injecting
 * faults) keeps going through it, so its behaviour is what the restore sees.
 */
export function fileRangeReader(client: ReplicaClient): RangeReader | undefined {
  if (!(client instanceof FileReplicaClient) || client.openLtxFile !== FileReplicaClient.prototype.openLtxFile) return undefined;
  const root = client.root;
  return async (file, offset, target) => {
    const path = fileReplicaLtxPath(root, file);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') throw new NotFoundError(pathToFileURL(path).href);
      throw err;
    }
    try {
      let bytesRead = 0;
      while (bytesRead < target.length) {
        const r = await handle.read(target, bytesRead, target.length - bytesRead, offset + bytesRead);
        if (r.bytesRead === 0) break;
        bytesRead += r.bytesRead;
      }
      return { bytesRead, fileSize: (await handle.stat()).size };
    } finally {
      await handle.close();
    }
  };
}
