// The local S3 behind `demo --s3`: fauxqs, an optional dependency, started in this process on 127.0.0.1.
import type { FauxqsServer } from 'fauxqs';
import { UsageError } from '../core/errors.ts';
import type { S3ReplicaOptions } from '../core/replica/options.ts';
import { withLoopbackListen } from './loopback-listen.ts';

export interface DemoS3 {
  /** Replica options for `path` in a new bucket of the emulator. */
  replica(bucket: string, path: string): Promise<S3ReplicaOptions>;
  stop(): Promise<void>;
}

export const MISSING_EMULATOR =
  'demo --s3 needs the fauxqs S3 emulator, an optional dependency of streambed that is not installed here: ' +
  'install fauxqs (npm install fauxqs, where streambed is installed) or use demo without --s3';

/** The emulator accepts any credentials; these only need to look like AWS's to the SDK. */
const DEMO_CREDENTIALS = { accessKeyId: 'AKIASTREAMBEDDEMO', secretAccessKey: 'streambed-demo-secret' };

/** fauxqs listens on 0.0.0.0; the demo's emulator must not be reachable from other hosts. */
async function startOnLoopback(): Promise<FauxqsServer> {
  const { startFauxqs } = await import('fauxqs');
  const { value: server, bound } = await withLoopbackListen(() => startFauxqs({ port: 0, logger: false }));
  if (!bound.some((a) => a.port === server.port && a.address === '127.0.0.1')) {
    await server.stop();
    throw new Error(`the fauxqs S3 emulator did not bind 127.0.0.1 (bound: ${JSON.stringify(bound)})`);
  }
  return server;
}

/** Resolves fauxqs before loading anything, so a missing emulator is a clear usage error rather than a stack trace. */
export async function startDemoS3(resolve: (specifier: string) => string = import.meta.resolve): Promise<DemoS3> {
  try {
    resolve('fauxqs');
  } catch {
    throw new UsageError(MISSING_EMULATOR);
  }
  const server = await startOnLoopback();
  const endpoint = `http://127.0.0.1:${server.port}`;
  return {
    async replica(bucket, path) {
      server.createBucket(bucket);
      return { type: 's3', bucket, path, region: 'us-east-1', endpoint, forcePathStyle: true, ...DEMO_CREDENTIALS };
    },
    stop: () => server.stop(),
  };
}
