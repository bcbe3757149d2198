// The benches' agent child: the CLI's agent set-up on a config file, with upload events batched to stdout as JSON lines.
import type { UploadEvent } from '../agent/replicator.ts';
import type { LoggingConfig } from '../core/config/types.ts';

export interface AgentChildOptions {
  logLevel: LoggingConfig['level'];
  /** Events carry their own timestamps, so they go out in batches: a pipe write per upload would be CPU charged to the agent. */
  flushMs: number;
  /** What of an upload event to print (a fleet of 1,000 databases prints less). */
  event: (e: UploadEvent) => object;
  /** Apply agent/runtime-flags.ts first, as bin/streambed.mjs does for `replicate`. */
  runtimeFlags: boolean;
}

/**
 * Prints `started` once the agent serves its databases, `memory` (process.memoryUsage()) on SIGUSR2 and just before
 * it stops at SIGTERM, and exits 0 when the final sync caught every database up, else 1.
 */
export async function runAgentChild(configPath: string, options: AgentChildOptions): Promise<void> {
  if (options.runtimeFlags) (await import('../agent/runtime-flags.ts')).applyAgentRuntimeFlags();
  const { loadConfigFile } = await import('../core/config/load.ts');
  const { Agent } = await import('../agent/agent.ts');
  const { createLogger } = await import('../agent/logger.ts');
  const config = await loadConfigFile(configPath, { expandEnv: false });
  let batch = '';
  const flush = (): void => {
    if (batch) process.stdout.write(batch);
    batch = '';
  };
  const flusher = setInterval(flush, options.flushMs);
  const memory = (): void => void (batch += JSON.stringify({ msg: 'memory', ...process.memoryUsage() }) + '\n');
  const onUpload = (e: UploadEvent): void => void (batch += JSON.stringify({ msg: 'uploaded', ...options.event(e) }) + '\n');
  const agent = new Agent(config, { logger: createLogger({ level: options.logLevel, type: 'json', env: {} }), onUpload });
  await agent.start();
  process.stdout.write(JSON.stringify({ msg: 'started', dbs: agent.databasePaths.length }) + '\n');
  process.on('SIGUSR2', memory);
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  memory();
  const ok = await agent.stop();
  clearInterval(flusher);
  flush();
  process.stdout.write('', () => process.exit(ok ? 0 : 1));
}
