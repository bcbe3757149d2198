// Test-only access to the SDK client inside an S3ReplicaClient (private there), through the client's factory parameter.
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ReplicaOptions } from '../../core/replica/options.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { createS3Client } from '../../core/replica/s3-sdk.ts';

const sdkClients = new WeakMap<S3ReplicaClient, S3Client>();

/** A replica client built exactly as in production, whose SDK client tests may inspect or record with sdkOf(). */
export function instrumentedS3Client(options: S3ReplicaOptions): S3ReplicaClient {
  let sdk: S3Client | undefined;
  const client = new S3ReplicaClient(options, (...args) => (sdk = createS3Client(...args)));
  sdkClients.set(client, sdk!);
  return client;
}

/** The SDK client of a client made by instrumentedS3Client (its resolved config, its middleware stack). */
export function sdkOf(client: S3ReplicaClient): S3Client {
  const sdk = sdkClients.get(client);
  if (!sdk) throw new Error('sdkOf: the client was not made by instrumentedS3Client');
  return sdk;
}
