// Chooses the replica client implementation for a replica's effective options.
import type { ReplicaClient } from './client.ts';
import { FileReplicaClient } from './file.ts';
import type { ReplicaOptions } from './options.ts';
import { S3ReplicaClient } from './s3.ts';

export function openReplicaClient(options: ReplicaOptions): ReplicaClient {
  switch (options.type) {
    case 's3':
      return new S3ReplicaClient(options);
    case 'file':
      return new FileReplicaClient(options);
    default: {
      const never: never = options;
      throw new Error(`unsupported replica type: ${JSON.stringify((never as { type?: string }).type)}`);
    }
  }
}
