// `bin/run demo` and `bin/run test` on a fresh machine: a copy of this tree, an empty HOME, no npm user config,
// and no Node.js >= 22 on PATH (only the machine's older one, if any), with nothing but the npm registry to fetch
// from. It downloads Node.js and installs every locked dependency (2 to 3 minutes), so it runs in CI (CI=true)
// or when STREAMBED_FRESH_MACHINE=1; the npm cache is shared with this machine's to spare the download volume.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../harness/tmp.ts';
import { copyTree } from './copy-tree.ts';

const enabled = process.env.CI === 'true' || process.env.STREAMBED_FRESH_MACHINE === '1';
const tempDir = useTempDirs({ scope: 'file' });
const SYSTEM_DIRS = new Set(['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin', '/usr/local/sbin']);

/** This machine's PATH without the Node.js >= 22 this test runs on (bin/run's own, or npm's script folders). */
function machinePath(): string {
  const own = dirname(process.execPath);
  return (process.env.PATH ?? '')
    .split(':')
    .filter((d) => d && !d.includes('node_modules/.bin') && !d.includes('/.local/node24') && (d !== own || SYSTEM_DIRS.has(d)))
    .join(':');
}

function npmCache(): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8', env }).stdout.trim();
}

interface Outcome {
  code: number | null;
  output: string;
  seconds: number;
}

function binRun(tree: string, env: NodeJS.ProcessEnv, args: string[]): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['bin/run', ...args], { cwd: tree, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output, seconds: (performance.now() - started) / 1000 }));
  });
}

describe.skipIf(!enabled)('bin/run on a fresh machine', () => {
  it('installs Node.js and the dependencies, then the demo and a test pass', async () => {
    const work = await tempDir('fresh-machine');
    const tree = join(work, 'streambed');
    const home = join(work, 'home');
    mkdirSync(tree);
    mkdirSync(home);
    writeFileSync(join(work, 'empty-npmrc'), '');
    copyTree(tree);
    // The machine's environment (its CA certificates for the registry, say) with a fresh HOME and user config, and
    // without what this run adds: npm's npm_config_* (the machine's nodedir among them), vitest's, and CI (bin/run
    // would reinstall the dependencies on every call).
    const inherited = Object.entries(process.env).filter(([k]) => !/^(npm_|vitest|__vitest)/i.test(k) && !['CI', 'NODE_ENV', 'NODE_OPTIONS', 'TEST'].includes(k));
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(inherited),
      PATH: machinePath(),
      HOME: home,
      NPM_CONFIG_USERCONFIG: join(work, 'empty-npmrc'),
      npm_config_cache: npmCache(),
    };

    const demo = await binRun(tree, env, ['demo', '--seconds', '1']);
    expect(demo.output).toContain('-> OK');
    expect(demo.code).toBe(0);
    const test = await binRun(tree, env, ['test', 'test/cli/command-table.test.ts']);
    expect(test.output).toMatch(/^tests: [1-9]\d* passed, 0 failed/m);
    expect(test.code).toBe(0);
    const machineNode = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim() || 'none';
    console.log(
      `fresh machine (machine node: ${machineNode}; Node.js installed by bin/run: ${existsSync(join(home, '.local', 'node24', 'bin', 'node'))}): ` +
        `bin/run demo ${demo.seconds.toFixed(0)} s (with Node.js download and npm ci), bin/run test ${test.seconds.toFixed(0)} s`,
    );
  }, 600_000);
});
if (!enabled) console.warn('fresh-machine test skipped: it runs in CI, or with STREAMBED_FRESH_MACHINE=1 (downloads Node.js and runs npm ci)');
