// Litestream's command surface that streambed does not implement, each with what to use instead (issue 12 item 4).

/**
 * Litestream v0.5 commands (and v0.5.x additions) that streambed has no equivalent of. Most talk to a running
 * Litestream daemon over its control socket, which streambed does not have (the config loader says so for `socket`).
 */
export const LITESTREAM_ONLY_COMMANDS: Readonly<Record<string, string>> = {
  add:
    'streambed has no control socket to add a database to a running agent: add it under `dbs:` in the config file and ' +
    'restart `streambed replicate` (or run `streambed replicate DB_PATH REPLICA_URL` for one database)',
  remove:
    'streambed has no control socket to remove a database from a running agent: remove it from `dbs:` in the config ' +
    'file and restart `streambed replicate`; its replica keeps its history',
  start:
    'streambed has no control socket to start replicating one database: replication runs for every configured database ' +
    'while `streambed replicate` runs',
  stop:
    'streambed has no control socket to stop replicating one database: remove it from `dbs:` and restart ' +
    '`streambed replicate`, or stop the agent (SIGTERM: it syncs once more, then exits)',
  list:
    'streambed has no control socket to ask a running agent: `streambed databases` lists the configured databases',
  info:
    'streambed has no control socket to ask a running agent: `streambed version` prints the version, and an agent with ' +
    '`addr:` set serves /metrics and /readyz',
  status:
    'streambed has no `status`: `streambed databases` lists the configured databases, `streambed ltx` and `streambed verify` ' +
    "show a replica's position, and an agent with `addr:` set serves /metrics and /readyz (the replication lag per database)",
  sync:
    'streambed has no control socket to trigger a sync in a running agent: with the agent stopped, ' +
    '`streambed replicate -once` syncs and uploads once (add -force-snapshot for a full snapshot)',
  register: 'streambed has no control socket: add the database under `dbs:` in the config file and restart `streambed replicate`',
  unregister: 'streambed has no control socket: remove the database from `dbs:` in the config file and restart `streambed replicate`',
  reset:
    'streambed has no `reset`: stop the agent, then `streambed replicate -once -force-snapshot` (with -config, or DB_PATH ' +
    'REPLICA_URL) starts the replica again from a full snapshot; the local state is in the database\'s meta-path ' +
    '(`streambed config` prints it)',
};

const REPLICA_FLAG =
  'streambed replicates each database to one replica, so there is nothing to choose: give that replica\'s URL ' +
  'instead of DB_PATH (e.g. s3://bucket/path)';

/** Flags Litestream (v0.5, or v0.3 for its v0.3-era commands) takes on a command streambed has, that streambed does not. */
export const LITESTREAM_ONLY_FLAGS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  restore: {
    replica: `-replica is Litestream v0.3's: ${REPLICA_FLAG}`,
    index: "-index is Litestream v0.3's WAL index: restore a v0.3 backup to a point in time with -timestamp (and -generation), an LTX replica with -txid or -timestamp",
    v: "-v is Litestream v0.3's verbose flag: streambed prints what it restored; -dry-run prints the plan and -json the details",
  },
  ltx: { replica: `-replica: ${REPLICA_FLAG}` },
  wal: { replica: `-replica: ${REPLICA_FLAG}`, generation: "-generation is Litestream v0.3's: list a v0.3 backup's generations with `streambed generations`, restore one with `streambed restore -generation`" },
  generations: { replica: `-replica is Litestream v0.3's: ${REPLICA_FLAG}` },
  snapshots: { replica: `-replica is Litestream v0.3's: ${REPLICA_FLAG}` },
  version: { verbose: '-verbose prints Litestream\'s build metadata: streambed has one version, printed by `streambed version`; `node --version` gives the runtime' },
};

/** What to say instead of "unknown command" when `command` is Litestream's. */
export function litestreamCommandHint(command: string): string | undefined {
  if (!Object.hasOwn(LITESTREAM_ONLY_COMMANDS, command)) return undefined;
  return `\`${command}\` is a Litestream command that streambed does not implement. ${LITESTREAM_ONLY_COMMANDS[command]}`;
}

/** For commander's "unknown option '--name'" on `command`: what the Litestream flag was and what to use instead. */
export function litestreamFlagHint(command: string | undefined, commanderMessage: string): string | undefined {
  const m = /unknown option '--?([^'=]+)/.exec(commanderMessage);
  if (!m || command === undefined || !Object.hasOwn(LITESTREAM_ONLY_FLAGS, command)) return undefined;
  const flags = LITESTREAM_ONLY_FLAGS[command];
  return Object.hasOwn(flags, m[1]) ? `streambed ${command}: ${flags[m[1]]}` : undefined;
}
