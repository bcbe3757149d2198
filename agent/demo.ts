// `streambed demo`: writes to a sample database, replicates it with the real agent, compacts, restores and verifies.
import { mkdtemp, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { configFromUrl } from '../core/config/resolve.ts';
import type { StreambedConfig } from '../core/config/types.ts';
import { maintenanceSettingsFromConfig, runMaintenance } from '../core/compact/index.ts';
import { listReplica } from '../core/listing/listing.ts';
import { checksumDatabaseFile } from '../core/ltx/database.ts';
import type { ReplicaOptions } from '../core/replica/options.ts';
import { openReplicaClient } from '../core/replica/open.ts';
import { restoreDatabase } from '../core/restore/index.ts';
import { Agent } from './agent.ts';
import { startDemoS3 } from './demo-s3.ts';
import { silentLogger, type Logger } from './logger.ts';
import { commitLags, summarizeLag, type LagSummary } from './lag.ts';
import type { UploadEvent } from './replicator.ts';

const execFileAsync = promisify(execFile);

export { commitLags, summarizeLag, type LagSummary };

export interface DemoOptions {
  /** Replicate to an in-process fauxqs S3 on 127.0.0.1 instead of a file:// replica. */
  s3?: boolean;
  /** How long the writer runs; default 5. */
  seconds?: number;
  /** Transactions per second the writer aims for; default 200. */
  rate?: number;
  /** Default 0 (low-latency mode: ship on every WAL change). */
  syncInterval?: number;
  /** Where the report goes; default stdout. Pass null for none. */
  out?: NodeJS.WritableStream | null;
  logger?: Logger;
  /** Keep the temp directory (for inspection). */
  keep?: boolean;
}

export interface DemoResult {
  dir: string;
  replica: string;
  transactions: number;
  uploads: number;
  /** Commit → replica acknowledgement, milliseconds. */
  lag: LagSummary;
  filesPerLevel: Record<number, number>;
  sourceChecksum: string;
  restoredChecksum: string;
  integrity: string;
  sourceRows: number;
  restoredRows: number;
  ok: boolean;
}

const hex = (v: unknown): string => (typeof v === 'bigint' || typeof v === 'number' ? `0x${v.toString(16).padStart(16, '0')}` : String(v));
const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = options.out === undefined ? process.stdout : options.out;
  const print = (line: string): void => void out?.write(line + '\n');
  const seconds = options.seconds ?? 5;
  const dir = await mkdtemp(join(tmpdir(), 'streambed-demo-'));
  let stopS3: (() => Promise<void>) | undefined;
  let client: ReturnType<typeof openReplicaClient> | undefined;
  try {
    const dbPath = join(dir, 'app.db');
    createSampleDatabase(dbPath);
    let replicaOptions: ReplicaOptions = { type: 'file', path: join(dir, 'replica') };
    if (options.s3) {
      const s3 = await startDemoS3();
      stopS3 = () => s3.stop();
      replicaOptions = await s3.replica('streambed-demo', 'app.db');
    }
    const config = await demoConfig(dbPath, replicaOptions, options.syncInterval ?? 0);
    client = openReplicaClient(replicaOptions);
    const mode = config.dbs[0].replica.syncInterval === 0 ? 'sync-interval 0: ships on every WAL change' : `sync-interval ${config.dbs[0].replica.syncInterval} ms`;
    print(`streambed demo: database ${dbPath}`);
    print(`  replica ${client.location} (${mode})`);

    const uploads: UploadEvent[] = [];
    const agent = new Agent(config, { logger: options.logger ?? silentLogger(), onUpload: (e) => uploads.push(e) });
    await agent.start();
    print(`  writing for ${seconds} s ...`);
    let commits: number[];
    try {
      commits = await runWriter(dbPath, seconds, options.rate ?? 200);
    } catch (err) {
      await agent.stop({ finalSync: false }).catch(() => undefined);
      throw err;
    }
    const caughtUp = await agent.stop();
    const lag = summarizeLag(commitLags(commits, uploads, { allShipped: caughtUp }));
    print(`  ${commits.length} transactions committed, ${uploads.length} L0 files uploaded${caughtUp ? '' : ' (final sync INCOMPLETE)'}`);
    print(`  replication lag (commit -> replica acknowledged): p50 ${ms(lag.p50)}, p99 ${ms(lag.p99)}, max ${ms(lag.max)} (n=${lag.count})`);

    // Levels only compact files from windows that have closed (L3: 1 h), so the one pass runs as of an hour later.
    const settings = { ...maintenanceSettingsFromConfig(config), logger: options.logger };
    const report = await runMaintenance(client, settings, new Date(Date.now() + Math.max(...config.levels)));
    if (report.errors.length > 0) throw new Error(`demo: maintenance failed: ${report.errors.map((e) => `${e.step}: ${e.message}`).join('; ')}`);
    const filesPerLevel = await countFilesPerLevel(client);
    print(`  maintenance (as of +${Math.max(...config.levels) / 60_000} min): wrote ${report.written.length} files, deleted ${report.deleted.length}`);
    print(`  files per level: ${Object.entries(filesPerLevel).map(([l, n]) => `L${l}=${n}`).join(' ') || 'none'}`);

    const restoredPath = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: restoredPath });
    const source = inspectDatabase(dbPath, true);
    const restored = inspectDatabase(restoredPath, false);
    const sourceChecksum = hex(await checksumDatabaseFile(dbPath));
    const restoredChecksum = hex(await checksumDatabaseFile(restoredPath));
    const ok = caughtUp && sourceChecksum === restoredChecksum && restored.integrity === 'ok' && source.rows === restored.rows;
    print(`  restored to ${restoredPath}`);
    print(
      `  verify: source checksum ${sourceChecksum} ${sourceChecksum === restoredChecksum ? '==' : '!='} restored ${restoredChecksum}, ` +
        `rows ${source.rows}/${restored.rows}, integrity ${restored.integrity} -> ${ok ? 'OK' : 'FAILED'}`,
    );
    return {
      dir, replica: client.location, transactions: commits.length, uploads: uploads.length, lag, filesPerLevel,
      sourceChecksum, restoredChecksum, integrity: restored.integrity, sourceRows: source.rows, restoredRows: restored.rows, ok,
    };
  } finally {
    await client?.close();
    await stopS3?.();
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}

async function demoConfig(dbPath: string, replica: ReplicaOptions, syncInterval: number): Promise<StreambedConfig> {
  const base = await configFromUrl(dbPath, `file://${dbPath}-replica-unused`);
  const db = base.dbs[0];
  return {
    ...base,
    dbs: [{ ...db, monitorInterval: 250, replica: { ...db.replica, url: undefined, options: replica, syncInterval } }],
    compaction: 'local',
  };
}

function createSampleDatabase(path: string): void {
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL)');
  } finally {
    db.close();
  }
}

/**
 * Runs the writer as its own process, as a real application would be: better-sqlite3 blocks its thread while it
 * waits for a lock, so a writer sharing the agent's thread could wait on a lock only the agent can release.
 */
async function runWriter(path: string, seconds: number, rate: number): Promise<number[]> {
  const script = fileURLToPath(new URL('./demo-writer.ts', import.meta.url));
  const { stdout } = await execFileAsync(process.execPath, [script, path, String(seconds), String(rate)], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as number[];
}

function inspectDatabase(path: string, checkpoint: boolean): { rows: number; integrity: string } {
  const db = new BetterSqlite3(path);
  try {
    if (checkpoint) db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    return { rows, integrity };
  } finally {
    db.close();
  }
}

async function countFilesPerLevel(client: ReturnType<typeof openReplicaClient>): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  (await listReplica(client)).forEach((files, level) => {
    if (files.length > 0) counts[level] = files.length;
  });
  return counts;
}
