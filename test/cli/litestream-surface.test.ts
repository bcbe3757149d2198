// Every Litestream v0.5 command and flag streambed lacks is a usage error (exit 2) that says what to use instead.
import { describe, expect, it } from 'vitest';
import { LITESTREAM_ONLY_COMMANDS, LITESTREAM_ONLY_FLAGS } from '../../cli/litestream-surface.ts';
import { COMMANDS, buildProgram } from '../../cli/main.ts';
import { runMain, spawnCli } from './run-cli.ts';

/** Litestream's commands (v0.5.x cmd/litestream/main.go, plus v0.3's generations and snapshots). */
const LITESTREAM_COMMANDS = [
  'add', 'databases', 'generations', 'info', 'list', 'ltx', 'register', 'remove', 'replicate', 'reset', 'restore',
  'snapshots', 'start', 'status', 'stop', 'sync', 'unregister', 'version', 'wal',
];

describe("Litestream's command surface", () => {
  it('every Litestream command is either a streambed command or has a message', () => {
    const uncovered = LITESTREAM_COMMANDS.filter((c) => !Object.hasOwn(COMMANDS, c) && !Object.hasOwn(LITESTREAM_ONLY_COMMANDS, c));
    expect(uncovered).toEqual([]);
    const stale = Object.keys(LITESTREAM_ONLY_COMMANDS).filter((c) => Object.hasOwn(COMMANDS, c));
    expect(stale, 'implemented now: remove from LITESTREAM_ONLY_COMMANDS').toEqual([]);
  });

  it.each(Object.keys(LITESTREAM_ONLY_COMMANDS))('`%s` exits 2 saying it is Litestream\'s and what to use instead', async (command) => {
    const r = await runMain(command, '-config', '/etc/litestream.yml', '/var/lib/app.db');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`\`${command}\` is a Litestream command that streambed does not implement.`);
    expect(r.stderr).toMatch(/`streambed [a-z]+/);
    const help = await runMain('help', command);
    expect([help.code, help.stderr]).toEqual([2, r.stderr]);
  });

  it('lists only flags the command does not have (a flag streambed gains must leave the table)', async () => {
    const program = await buildProgram();
    for (const [command, flags] of Object.entries(LITESTREAM_ONLY_FLAGS)) {
      const options = program.commands.find((c) => c.name() === command)?.options;
      expect(options, `${command} is a streambed command`).toBeDefined();
      const present = Object.keys(flags).filter((f) => options!.some((o) => o.long === `--${f}` || o.short === `-${f}`));
      expect(present, `${command}: now implemented, remove from LITESTREAM_ONLY_FLAGS`).toEqual([]);
    }
  });

  it.each(Object.entries(LITESTREAM_ONLY_FLAGS).flatMap(([command, flags]) => Object.keys(flags).map((flag) => [command, flag])))(
    '%s -%s exits 2 naming the Litestream flag and what to use',
    async (command, flag) => {
      const r = await runMain(command, `-${flag}`, 'value', 'file:///nowhere');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`streambed ${command}: ${LITESTREAM_ONLY_FLAGS[command][flag]}`);
    },
  );

  it('-flag=value spelling gets the hint too; a flag Litestream does not have gets none', async () => {
    const index = await runMain('restore', '-index=7', '-o', '/tmp/x.db', 's3://bucket/db');
    expect([index.code, index.stderr]).toEqual([2, expect.stringContaining("-index is Litestream v0.3's WAL index")]);
    const bogus = await runMain('restore', '-bogus', 's3://bucket/db');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("unknown option '--bogus'");
    expect(bogus.stderr).not.toContain('streambed restore:');
  });

  it('the real binary answers the same (exit 2 and the message)', async () => {
    const r = await spawnCli(['status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('`status` is a Litestream command');
  });
});
