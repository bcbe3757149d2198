// The fleet bench's agent child: the CLI's agent set-up, with upload events batched to stdout. Run from the sources or
// bundled by scripts/build.mjs (`bench/fleet.ts --bundle`), so the bundle's memory is what gets measured.
import type { UploadEvent } from '../agent/replicator.ts';

/** Agent child: the CLI's agent set-up, with upload events (their own timestamps) batched to stdout. */
async function runAgentChild(configPath: string): Promise<void> {
  (await import('../agent/runtime-flags.ts')).applyAgentRuntimeFlags();
  const { loadConfigFile } = await import('../core/config/load.ts');
  const { Agent } = await import('../agent/agent.ts');
  const { createLogger } = await import('../agent/logger.ts');
  const config = await loadConfigFile(configPath, { expandEnv: false });
  let batch = '';
  const flush = (): void => {
    if (batch) process.stdout.write(batch);
    batch = '';
  };
  const flusher = setInterval(flush, 500);
  const onUpload = (e: UploadEvent): void => void (batch += JSON.stringify({ msg: 'uploaded', db: e.db, txid: e.txid, ackAt: e.ackAt, syncStartedAt: e.syncStartedAt }) + '\n');
  const agent = new Agent(config, { logger: createLogger({ level: 'warn', type: 'json', env: {} }), onUpload });
  await agent.start();
  process.stdout.write(JSON.stringify({ msg: 'started', dbs: agent.databasePaths.length }) + '\n');
  process.on('SIGUSR2', () => {
    const m = process.memoryUsage();
    batch += JSON.stringify({ msg: 'memory', ...m }) + '\n';
  });
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await agent.stop();
  clearInterval(flusher);
  flush();
  process.stdout.write('', () => process.exit(0));
}


await runAgentChild(process.argv[2]);
