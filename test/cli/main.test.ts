// main(argv) in-process: exit codes come back from the commands, usage errors are 2, and the CLI's structure rules hold.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS, buildProgram } from '../../cli/main.ts';
import { DEFAULT_CONFIG_PATHS } from '../../core/config/resolve.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { runMain } from './run-cli.ts';

const tempDir = useTempDirs();
const CLI_DIR = new URL('../../cli/', import.meta.url);

function cliSources(): Array<{ file: string; text: string }> {
  return readdirSync(CLI_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((file) => ({ file, text: readFileSync(new URL(file, CLI_DIR), 'utf8') }));
}

describe('main(argv)', () => {
  it('returns 0 and prints the version; help is 0 too', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runMain('version')).toEqual({ code: 0, stdout: `streambed v${pkg.version}\n`, stderr: '' });
    const help = await runMain('help', 'restore');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: streambed restore');
    expect((await runMain('ltx', '--help')).code).toBe(0);
  });

  it('returns 2 for an unknown command, an unknown option, a missing argument and a bad value', async () => {
    const unknown = await runMain('no-such-command');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining("unknown command 'no-such-command'")]);
    const option = await runMain('ltx', '-bogus', 'file:///nowhere');
    expect([option.code, option.stderr]).toEqual([2, expect.stringContaining("unknown option '--bogus'")]);
    expect((await runMain('restore')).code).toBe(2);
    const level = await runMain('ltx', '-level', '12', 'file:///nowhere');
    expect([level.code, level.stderr]).toEqual([2, 'streambed: -level must be 0-9 or "all", not "12"\n']);
  });

  it('returns the code the command returned: ltxfile verify is 1 for a bad file, 0 for none bad', async () => {
    const dir = await tempDir('cli-main');
    const junk = join(dir, 'junk.ltx');
    await writeFile(junk, 'not an LTX file');
    const bad = await runMain('ltxfile', 'verify', junk);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^error /);
    // The code is per run, not left behind in the process for the next one.
    expect(process.exitCode).toBeUndefined();
    expect((await runMain('version')).code).toBe(0);
  });

  it('returns 1 for a run-time failure, with the message on stderr', async () => {
    const dir = await tempDir('cli-main');
    const r = await runMain('ltxfile', 'dump', join(dir, 'missing.ltx'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^streambed: .*missing\.ltx/);
  });

  it.skipIf(DEFAULT_CONFIG_PATHS.some((p) => existsSync(p)))('asks for -config when there is no config file, with the same flags on every command', async () => {
    for (const argv of [['databases'], ['config'], ['compact', '-once'], ['retention']]) {
      const r = await runMain(...argv);
      expect([argv[0], r.code, r.stderr]).toEqual([argv[0], 2, expect.stringMatching(/^streambed: no .*-config PATH/)]);
    }
  });

  it('reads -config and -no-expand-env the same way on every command that takes them', async () => {
    const dir = await tempDir('cli-main');
    const config = join(dir, 'streambed.yml');
    await writeFile(config, `dbs:\n  - path: ${join(dir, 'app.db')}\n    replica:\n      url: file://\${REPLICA_DIR}\n`);
    process.env.REPLICA_DIR = join(dir, 'replica');
    try {
      const expanded = await runMain('databases', '-config', config);
      expect(expanded.stdout).toContain(`file://${join(dir, 'replica')}`);
      const literal = await runMain('databases', '-config', config, '-no-expand-env');
      expect([literal.code, literal.stderr]).toEqual([2, expect.stringContaining('replica URL file://${REPLICA_DIR}')]);
      const json = await runMain('config', '-config', config);
      expect(json.code).toBe(0);
      expect((JSON.parse(json.stdout) as { dbs: Array<{ replica: { url: string } }> }).dbs[0].replica.url).toBe(`file://${join(dir, 'replica')}`);
      const ltx = await runMain('ltx', '-config', config, '-json', join(dir, 'app.db'));
      expect([ltx.code, JSON.parse(ltx.stdout)]).toEqual([0, []]);
      const url = pathToFileURL(join(dir, 'replica')).href;
      // An empty replica has nothing restorable: verify reports it and returns 1.
      const verify = await runMain('verify', '-config', config, url);
      expect([verify.code, verify.stdout]).toEqual([1, expect.stringContaining('nothing restorable')]);
    } finally {
      delete process.env.REPLICA_DIR;
    }
  });
});

describe('the CLI host', () => {
  it('declares -config and -no-expand-env in one module only', () => {
    const declaring = cliSources().filter(({ text }) => /'--config <path>'|'--no-expand-env'/.test(text)).map(({ file }) => file);
    expect(declaring).toEqual(['config-flags.ts']);
  });

  it('has no command importing another command: shared helpers live in cli/ modules of their own', () => {
    const crossImports = cliSources()
      .filter(({ file }) => file.startsWith('commands/'))
      .flatMap(({ file, text }) => [...text.matchAll(/from '\.\/([\w-]+)\.ts'/g)].map((m) => `${file} imports commands/${m[1]}.ts`));
    expect(crossImports).toEqual([]);
  });

  it('leaves the exit code to main(): no command sets process.exitCode', () => {
    const setting = cliSources().filter(({ file, text }) => file !== 'main.ts' && /process\.exitCode\s*=/.test(text)).map(({ file }) => file);
    expect(setting).toEqual([]);
  });

  it('registers every command of the table under its name, all with the shared config flags where they take a config', async () => {
    const program = await buildProgram();
    expect(program.commands.map((c) => c.name()).sort()).toEqual(Object.keys(COMMANDS).sort());
    const withConfig = program.commands.filter((c) => c.options.some((o) => o.long === '--config')).map((c) => c.name());
    for (const name of withConfig) {
      const command = program.commands.find((c) => c.name() === name)!;
      expect(command.options.some((o) => o.long === '--no-expand-env'), name).toBe(true);
    }
    expect(withConfig.sort()).toEqual(['compact', 'config', 'databases', 'generations', 'ltx', 'replicate', 'restore', 'retention', 'snapshots', 'verify', 'wal']);
  });
});
