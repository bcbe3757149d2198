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

/** Opens a client for the length of `use` and closes it afterwards, whether `use` succeeds or throws. */
export async function withReplicaClient<T>(options: ReplicaOptions, use: (client: ReplicaClient) => Promise<T>): Promise<T> {
  const client = openReplicaClient(options);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}
