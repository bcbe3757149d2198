// The package users install: `npm pack` of a copy of this tree, installed globally into a temporary prefix, runs
// replicate (with its maintenance worker) and restore from another directory; install.sh
// puts it into a temporary root twice with the same result; systemd-analyze accepts the unit it installs.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../harness/tmp.ts';
import { copyTree, repoRoot as repo } from './copy-tree.ts';

const run = promisify(execFile);
const tempDir = useTempDirs({ scope: 'file' });

/** The environment of a user's shell: this Node.js first on PATH, none of npm's script variables. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}`, ...extra };
}

let work: string;
let tgz: string;
let prefix: string;
let installedPackage: string;

beforeAll(async () => {
  work = await tempDir('package');
  const tree = join(work, 'tree');
  mkdirSync(tree);
  copyTree(tree);
  symlinkSync(join(repo, 'node_modules'), join(tree, 'node_modules'));
  const packed = join(work, 'packed');
  mkdirSync(packed);
  await run('npm', ['pack', '--silent', '--pack-destination', packed], { cwd: tree, env: userEnv() });
  tgz = join(packed, readdirSync(packed).find((f) => f.endsWith('.tgz'))!);
  prefix = join(work, 'prefix');
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tgz], { cwd: work, env: userEnv() });
  installedPackage = join(prefix, 'lib', 'node_modules', 'streambed');
}, 240_000);

describe('npm pack', () => {
  it('packs the bundle, the install files and a manifest whose only dependency is better-sqlite3', async () => {
    const { stdout } = await run('tar', ['-tzf', tgz]);
    const files = stdout.split('\n').filter(Boolean);
    for (const f of ['dist/streambed.mjs', 'dist/THIRD-PARTY-LICENSES.txt', 'dist/maintenance-worker.mjs', 'dist/demo-writer.mjs', 'install/streambed.service', 'install/install.sh', 'install/Dockerfile', 'docs/install.md', 'package.json']) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const manifest = JSON.parse((await run('tar', ['-xzOf', tgz, 'package/package.json'])).stdout) as Record<string, unknown>;
    expect(Object.keys(manifest.dependencies as object)).toEqual(['better-sqlite3']);
    expect(manifest).not.toHaveProperty('optionalDependencies');
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');
    expect(manifest.bin).toEqual({ streambed: 'dist/streambed.mjs' });
  });

  it('leaves the package.json of the tree it packed as it was', () => {
    const tree = join(work, 'tree');
    expect(readFileSync(join(tree, 'package.json'), 'utf8')).toBe(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(existsSync(join(tree, 'package.json.unpacked'))).toBe(false);
  });
});

describe('the installed package', () => {
  const streambed = (args: string[], options: { cwd?: string; nodeArgs?: string[] } = {}) =>
    run(process.execPath, [...(options.nodeArgs ?? []), join(installedPackage, 'dist', 'streambed.mjs'), ...args], { cwd: options.cwd ?? work, env: userEnv() });

  it('prints its version through the bin link, from any directory', async () => {
    const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    const { stdout } = await run(join(prefix, 'bin', 'streambed'), ['version'], { cwd: '/', env: userEnv() });
    expect(stdout.trim()).toBe(`streambed v${version}`);
  });

  it('replicates with its maintenance worker, then restores', async () => {
    const dir = await tempDir('roundtrip');
    const dbPath = join(dir, 'app.db');
    const replica = join(dir, 'replica');
    const db = new BetterSqlite3(dbPath);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    // L1 windows of 1 s make the agent compact within the run; incompressible rows of 1 MiB make each L1 pass read
    // more than the agent does on its own thread (agent/maintenance-placement.ts), so the worker file runs.
    writeFileSync(join(dir, 'streambed.yml'), `levels:\n  - interval: 1s\ndbs:\n  - path: ${dbPath}\n    replica:\n      url: file://${replica}\n      sync-interval: 100ms\n`);
    const agent = spawn(process.execPath, [join(installedPackage, 'dist', 'streambed.mjs'), 'replicate', '-config', join(dir, 'streambed.yml'), '-log-level', 'debug'], { cwd: dir, env: userEnv() });
    let log = '';
    agent.stdout.on('data', (d: Buffer) => (log += d.toString()));
    agent.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!/maintenance .*written=[1-9].*inWorker=true/.test(log) && Date.now() < deadline) {
      insert.run(randomBytes(1024 * 1024));
      await new Promise((r) => setTimeout(r, 100));
    }
    agent.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).toMatch(/maintenance .*written=[1-9].*inWorker=true/);
    expect(readdirSync(join(replica, 'ltx', '1')).length).toBeGreaterThan(0);
    const source = db.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(v)) AS bytes FROM t').get();
    db.close();

    const out = join(dir, 'restored.db');
    await streambed(['restore', '-o', out, `file://${replica}`]);
    const copy = new BetterSqlite3(out, { readonly: true });
    expect(copy.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(v)) AS bytes FROM t').get()).toEqual(source);
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
  });
});

/** Every path under `root` with its type, mode and content hash or link target. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const key = path.slice(root.length);
      if (st.isSymbolicLink()) out[key] = `link ${readlinkSync(path)}`;
      else if (st.isDirectory()) {
        out[key] = `dir ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
        walk(path);
      } else out[key] = `file ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('install/install.sh into a temporary root', () => {
  let root: string;
  const install = () =>
    run('bash', [join(installedPackage, 'install', 'install.sh'), '--root', root, '--package', tgz, '--node', process.execPath, '--db-dir', '/srv/app/data'], { env: userEnv() });

  beforeAll(async () => {
    root = await tempDir('root');
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\n');
    writeFileSync(join(root, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
    writeFileSync(join(root, 'etc', 'gshadow'), 'root:*::\n', { mode: 0o600 });
    await install();
  }, 120_000);

  it('creates the user, the state directory, the config, the unit, its drop-in and the enable link', () => {
    const passwd = readFileSync(join(root, 'etc', 'passwd'), 'utf8');
    expect(passwd.match(/^streambed:/gm)).toHaveLength(1);
    const uid = passwd.split('\n').find((l) => l.startsWith('streambed:'))!.split(':')[2];
    expect(lstatSync(join(root, 'var', 'lib', 'streambed')).uid).toBe(Number(uid));
    expect(readFileSync(join(root, 'etc', 'systemd', 'system', 'streambed.service'), 'utf8')).toBe(readFileSync(join(repo, 'install', 'streambed.service'), 'utf8'));
    expect(readFileSync(join(root, 'etc', 'systemd', 'system', 'streambed.service.d', '10-install.conf'), 'utf8')).toContain('ReadWritePaths=/srv/app/data');
    expect(readlinkSync(join(root, 'etc', 'systemd', 'system', 'multi-user.target.wants', 'streambed.service'))).toBe('/etc/systemd/system/streambed.service');
    expect(readFileSync(join(root, 'etc', 'streambed.yml'), 'utf8')).toContain('addr: 127.0.0.1:9090');
  });

  it('installs a streambed that runs with the Node.js it linked', async () => {
    const { stdout } = await run(join(root, 'opt', 'streambed', 'bin', 'streambed'), ['version'], { env: { ...userEnv(), PATH: `${join(root, 'opt', 'streambed', 'bin')}:/usr/bin:/bin` } });
    expect(stdout).toMatch(/^streambed v\d/);
  });

  it('is idempotent: a second run changes nothing and keeps an edited config', async () => {
    const config = join(root, 'etc', 'streambed.yml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}# edited by the operator\n`);
    const before = snapshot(root);
    await install();
    expect(snapshot(root)).toEqual(before);
    expect(readFileSync(config, 'utf8')).toContain('# edited by the operator');
  }, 120_000);

  const analyze = spawnSync('systemd-analyze', ['--version']);
  const verify = (unit: string) => spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
  /** The installed unit with ExecStart pointing into the temporary root, so verify finds the executable. */
  const rootedUnit = (dir: string, edit: (text: string) => string = (t) => t): string => {
    const text = readFileSync(join(root, 'etc', 'systemd', 'system', 'streambed.service'), 'utf8').replace('ExecStart=/opt/streambed/', `ExecStart=${root}/opt/streambed/`);
    const unit = join(dir, 'streambed.service');
    writeFileSync(unit, edit(text));
    return unit;
  };

  it.skipIf(analyze.status !== 0)('systemd-analyze verify accepts the installed unit, and rejects a misspelt one', async () => {
    const good = verify(rootedUnit(await tempDir('unit')));
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    const bad = verify(rootedUnit(await tempDir('unit'), (t) => t.replace('ProtectSystem=strict', 'ProtectSytem=strict')));
    expect(bad.stderr).toContain("Unknown key 'ProtectSytem'");
  });
  if (analyze.status !== 0) console.warn('systemd-analyze is missing: the unit is not verified (install Debian\'s systemd package; .ci/run does)');
});
if (!isRoot) console.warn('install.sh test skipped: it creates a system user, which needs root (CI runs as root)');
