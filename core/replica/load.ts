// Opens a replica client, loading the S3 backend (and the AWS SDK with it) only for an S3 replica.
import type { ReplicaClient } from './client.ts';
import { FileReplicaClient } from './file.ts';
import type { ReplicaOptions } from './options.ts';

/**
 * openReplicaClient (open.ts) for one-shot commands: the AWS SDK costs ~20 MiB of RSS and ~0.1 CPU-s to load, which
 * a restore from a file replica need not pay. Same clients, same errors; only the S3 module is imported on demand.
 */
export async function loadReplicaClient(options: ReplicaOptions): Promise<ReplicaClient> {
  switch (options.type) {
    case 's3': {
      const { S3ReplicaClient } = await import('./s3.ts');
      return new S3ReplicaClient(options);
    }
    case 'file':
      return new FileReplicaClient(options);
    default: {
      const never: never = options;
      throw new Error(`unsupported replica type: ${JSON.stringify((never as { type?: string }).type)}`);
    }
  }
}
