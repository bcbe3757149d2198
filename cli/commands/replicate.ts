// `streambed replicate`: continuously replicates every configured database (or one given as DB_PATH REPLICA_URL).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { StreambedConfig } from '../../core/config/types.ts';
import { UsageError } from '../../core/errors.ts';
import { Agent } from '../../agent/agent.ts';
import { runExec } from '../../agent/exec.ts';
import { createLogger, type Logger } from '../../agent/logger.ts';
import { loadCommandConfig, withConfigFlags, type ConfigFlags } from '../config-flags.ts';
import { EXIT_OK, exitCodeAction } from '../exit-code.ts';

interface ReplicateFlags extends ConfigFlags {
  exec?: string;
  once?: boolean;
  forceSnapshot?: boolean;
  logLevel?: string;
  restoreIfDbNotExists?: boolean;
}

export function register(program: Command): void {
  withConfigFlags(
    program
      .command('replicate')
      .description('continuously replicate SQLite databases to their replicas')
      .argument('[db_path]', 'database to replicate (without a config file)')
      .argument('[replica_url]', 'replica URL, e.g. s3://bucket/path or file:///backups/db'),
  )
    .option('--exec <cmd>', 'run this command as a child process; stop replicating when it exits')
    .option('--once', 'sync and upload once, then exit (installed: keeps compiled code in ~/.cache/streambed; NODE_DISABLE_COMPILE_CACHE=1 turns that off)')
    .option('--force-snapshot', 'with --once: write a full snapshot')
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .option('--restore-if-db-not-exists', 'restore a database that does not exist yet from its replica before replicating')
    .action(exitCodeAction(async (dbPath: string | undefined, replicaUrl: string | undefined, flags: ReplicateFlags) => {
      if (flags.forceSnapshot && !flags.once) throw new UsageError('-force-snapshot requires -once');
      if (flags.once && flags.exec) throw new UsageError('-once cannot be combined with -exec');
      const config = await loadCommandConfig(flags, dbPath, replicaUrl);
      if (config.dbs.length === 0 && !config.dirs?.length) throw new UsageError(`no databases configured${config.source ? ` in ${config.source}` : ''}`);
      const level = (flags.logLevel ?? config.logging.level) as StreambedConfig['logging']['level'];
      const logger = createLogger({ ...config.logging, level });
      for (const note of config.notes ?? []) logger.warn({ config: config.source }, note);
      const agent = new Agent(config, { logger, restoreIfDbNotExists: flags.restoreIfDbNotExists === true });
      if (flags.once) {
        await agent.syncOnce({ forceSnapshot: flags.forceSnapshot === true });
        return EXIT_OK;
      }
      return await runUntilDone(agent, config, logger, flags.exec ?? config.exec, flags.restoreIfDbNotExists === true);
    }));
}

/** Runs the agent until a signal (or the -exec child exits); returns the process exit code. */
async function runUntilDone(agent: Agent, config: StreambedConfig, logger: Logger, exec: string | undefined, restoring: boolean): Promise<number> {
  for (const db of config.dbs) {
    if (!existsSync(db.path) && !restoring && !db.restoreIfDbNotExists) logger.warn({ db: db.path }, 'database does not exist yet; replication starts when it appears');
  }
  // Listen before starting: a SIGTERM that arrives while the agent starts must still end in a final sync.
  const signalled = exec ? undefined : waitForSignal();
  try {
    await agent.start();
  } catch (err) {
    // What did start (loops, timers, clients) must not keep the process alive after the error is printed.
    await agent.stop({ finalSync: false }).catch(() => undefined);
    throw err;
  }
  let code = 0;
  if (exec) {
    const child = runExec(exec);
    logger.info({ exec, pid: child.child.pid }, 'started child process');
    code = await child.exited;
    logger.info({ code }, 'child process exited; final sync');
  } else {
    const signal = await signalled;
    logger.info({ signal }, 'signal received; final sync');
  }
  const onSecondSignal = (): void => process.exit(1);
  process.once('SIGINT', onSecondSignal);
  process.once('SIGTERM', onSecondSignal);
  const caughtUp = await agent.stop();
  process.off('SIGINT', onSecondSignal);
  process.off('SIGTERM', onSecondSignal);
  if (!caughtUp) {
    const waiting = agent.readiness().databases.filter((d) => d.waitingSeconds > 0).map((d) => d.db);
    logger.error(
      { err: 'the final sync did not reach the replica (the reason is logged above)', dbs: waiting, shutdownSyncTimeoutMs: config.shutdownSyncTimeout },
      'shutdown: some changes could not be uploaded before shutdown-sync-timeout',
    );
    if (code === 0) code = 1;
  }
  logger.info('stopped');
  return code;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
