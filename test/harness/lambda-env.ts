// The local S3 as a Lambda handler test sees it: credentials and Powertools' dev mode in the environment.
import { vi } from 'vitest';
import { closeCachedClients } from '../../functions/shared/client-cache.ts';
import { startLocalS3, type LocalS3 } from './local-s3.ts';

/** Call in beforeAll; the handlers' SDK clients find the local S3's credentials in the environment. */
export async function startLambdaLocalS3(): Promise<LocalS3> {
  const s3 = await startLocalS3();
  vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  return s3;
}

/** Call in afterAll: restores the environment, closes the handlers' cached clients, stops the server. */
export async function stopLambdaLocalS3(s3: LocalS3 | undefined): Promise<void> {
  vi.unstubAllEnvs();
  await closeCachedClients();
  await s3?.stop();
}
