// The CLI entry point starts, reports its version and maps unknown commands to exit code 2.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../bin/streambed.mjs', import.meta.url).pathname;

describe('streambed CLI entry', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const run = spawnSync(process.execPath, [bin, 'version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(`streambed v${pkg.version}`);
  });

  it('exits 2 on an unknown command', () => {
    const run = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no-such-command');
  });
});
