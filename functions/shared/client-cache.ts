// Replica clients kept across warm invocations, so a busy function reuses its pooled S3 connections.
import type { S3ReplicaClient } from '../../core/replica/s3.ts';
import { optionalEnv, type Env } from './env.ts';
import { replicaClientFor } from './replica.ts';

const MAX_CLIENTS = 32;
const clients = new Map<string, S3ReplicaClient>();

/** The client for (bucket, path); the least recently used one is closed once more than 32 are cached. */
export function cachedReplicaClient(env: Env, bucket: string, path: string): S3ReplicaClient {
  const id = `${optionalEnv(env, 'S3_ENDPOINT') ?? ''}\n${bucket}\n${path}`;
  let client = clients.get(id);
  if (client) {
    clients.delete(id);
  } else {
    client = replicaClientFor(env, bucket, path);
  }
  clients.set(id, client);
  for (const [oldId, old] of clients) {
    if (clients.size <= MAX_CLIENTS) break;
    clients.delete(oldId);
    void old.close();
  }
  return client;
}

/** Closes every cached client (tests; a Lambda just freezes). */
export async function closeCachedClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.close()));
}
