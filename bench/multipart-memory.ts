// Peak RSS of one large multipart upload streamed from a generator, against the documented part-size × concurrency.
// Run: node --expose-gc bench/multipart-memory.ts [--size-mib 200] [--part-mib 10] [--concurrency 10]
import { randomFillSync } from 'node:crypto';
import { S3ReplicaClient } from '../core/replica/s3.ts';
import { behindLtxHeader } from './synthetic-pages.ts';
import { spawnLocalS3 } from '../test/harness/local-s3-child.ts';
import { makeTempDir, removeTempDir } from '../test/harness/tmp-core.ts';

const MiB = 1024 * 1024;

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

const sizeMiB = numberArg('--size-mib', 200);
const partMiB = numberArg('--part-mib', 10);
const concurrency = numberArg('--concurrency', 10);
const CHUNK = MiB;
/** Diagnostic: force a GC every N generated chunks, to tell garbage awaiting collection from live part buffers. */
const gcEvery = process.argv.includes('--gc-every') ? numberArg('--gc-every', 0) : 0;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}


/** Fresh 1 MiB chunks, like reading a file: the generator itself holds nothing. */
async function* generate(total: number): AsyncGenerator<Uint8Array> {
  let n = 0;
  for (let off = 0; off < total; off += CHUNK) {
    if (gcEvery && ++n % gcEvery === 0) gc();
    yield randomFillSync(Buffer.allocUnsafe(Math.min(CHUNK, total - off)));
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

async function main(): Promise<void> {
  const storageDir = await makeTempDir('bench-s3');
  const s3 = await spawnLocalS3(['--storage-dir', storageDir]);
  const client = new S3ReplicaClient({
    type: 's3', bucket: s3.bucket, path: 'bench', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true,
    accessKeyId: 'AKIASTREAMBEDTEST', secretAccessKey: 'streambed-test-secret', partSize: partMiB * MiB, concurrency,
  });
  try {
    // Warm up the SDK (module init, sockets) so the baseline includes it.
    await client.writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, behindLtxHeader(1024, generate));
    gc();
    await new Promise((r) => setTimeout(r, 200));
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakArrayBuffers = baseline.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
    }, 20);
    const total = sizeMiB * MiB;
    const started = performance.now();
    const info = await client.writeLtxFile({ level: 9, minTXID: 1, maxTXID: 2 }, behindLtxHeader(total, generate));
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const stat = await client.statLtxFile({ level: 9, minTXID: 1, maxTXID: 2 });
    if (info.size !== total || stat.size !== total) throw new Error(`size mismatch: wrote ${info.size}, stored ${stat.size}, expected ${total}`);
    const estimate = partMiB * MiB * concurrency;
    console.log(`multipart upload: ${sizeMiB} MiB from a generator, part size ${partMiB} MiB x concurrency ${concurrency} (local S3 in a child process)`);
    console.log(`  time                      ${seconds.toFixed(2)} s (${(sizeMiB / seconds).toFixed(0)} MiB/s)`);
    console.log(`  RSS baseline before upload ${mb(baseline.rss)}`);
    console.log(`  RSS peak during upload     ${mb(peakRss)}`);
    console.log(`  RSS peak - baseline        ${mb(peakRss - baseline.rss)}`);
    console.log(`  documented estimate        ${mb(estimate)} (part size x concurrency)`);
    console.log(`  ArrayBuffers peak          ${mb(peakArrayBuffers)} (baseline ${mb(baseline.arrayBuffers)})`);
    console.log(`  gc exposed                 ${typeof (globalThis as { gc?: unknown }).gc === 'function'}${gcEvery ? `, forced every ${gcEvery} chunks` : ''}`);
  } finally {
    await client.close();
    await s3.stop();
    await removeTempDir(storageDir);
  }
}

await main();
