// Runs the local S3 in its own process (for benchmarks whose memory it must not pollute); prints its endpoint as JSON.
// Usage: node test/harness/local-s3-process.ts [--storage-dir DIR] [--bucket NAME]; stops when stdin closes or on SIGTERM.
import { startLocalS3 } from './local-s3.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const storageDir = arg('--storage-dir');
const local = await startLocalS3(storageDir ? { s3StorageDir: storageDir } : {});
const bucket = await local.createBucket(arg('--bucket'));
process.stdout.write(`${JSON.stringify({ endpoint: local.endpoint, bucket, pid: process.pid })}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await local.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
