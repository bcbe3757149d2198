// The local S3 behind `demo --s3`: fauxqs, a development dependency, so an installed streambed may not have it.
import { UsageError } from '../core/errors.ts';
import type { S3ReplicaOptions } from '../core/replica/options.ts';

export interface DemoS3 {
  /** Replica options for `path` in a new bucket of the emulator. */
  replica(bucket: string, path: string): Promise<S3ReplicaOptions>;
  stop(): Promise<void>;
}

export const MISSING_EMULATOR =
  'demo --s3 needs the fauxqs S3 emulator, a development dependency that an installed streambed does not carry: ' +
  'run it from a source checkout (bin/run demo --s3), install fauxqs next to streambed (npm install -g fauxqs), ' +
  'or run the demo without --s3';

/** Resolves fauxqs before loading anything, so a missing emulator is a clear usage error rather than a stack trace. */
export async function startDemoS3(resolve: (specifier: string) => string = import.meta.resolve): Promise<DemoS3> {
  try {
    resolve('fauxqs');
  } catch {
    throw new UsageError(MISSING_EMULATOR);
  }
  const { startLocalS3 } = await import('../test/harness/local-s3.ts');
  const s3 = await startLocalS3();
  return {
    async replica(bucket, path) {
      return s3.s3Options(await s3.createBucket(bucket), path);
    },
    stop: () => s3.stop(),
  };
}
