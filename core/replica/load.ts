// Opens a replica client, loading the S3 backend (and the AWS SDK with it) only for an S3 replica.
import type { ReplicaClient } from './client.ts';
import { FileReplicaClient } from './file.ts';
import type { ReplicaOptions } from './options.ts';

/**
 * openReplicaClient (open.ts, which owns the choice of backend) for one-shot commands: the AWS SDK costs ~20 MiB of
 * RSS and ~0.1 CPU-s to load, which a restore from a file replica need not pay.
 */
export async function loadReplicaClient(options: ReplicaOptions): Promise<ReplicaClient> {
  if (options.type === 'file') return new FileReplicaClient(options);
  const { openReplicaClient } = await import('./open.ts');
  return openReplicaClient(options);
}
