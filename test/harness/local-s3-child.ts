// Starts local-s3-process.ts as a child process (benchmarks whose memory and CPU it must not pollute).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./local-s3-process.ts', import.meta.url));

export interface LocalS3Child {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/** `args`: `--bucket NAME`, `--storage-dir DIR`. Resolves with the endpoint the child prints; stop() ends it. */
export async function spawnLocalS3(args: string[] = []): Promise<LocalS3Child> {
  const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`local S3 exited with ${code}`)));
  });
  const { endpoint, bucket } = JSON.parse(line) as { endpoint: string; bucket: string };
  return {
    endpoint,
    bucket,
    stop: async () => {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
