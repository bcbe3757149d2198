#!/usr/bin/env node
// npm pack hooks: `prepack` builds dist/ and swaps in the package.json users install; `postpack` puts the original back.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, EXTERNAL } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = `${root}/package.json`;
const saved = `${root}/package.json.unpacked`;

/**
 * What an installed streambed needs: the bundle carries every other dependency, so only the packages left outside
 * it remain (better-sqlite3; fauxqs stays a development dependency). No scripts, no development or optional
 * dependencies (the Litestream binary is for tests and benchmarks only).
 */
export function packedManifest(pkg) {
  const { scripts: _s, devDependencies: _d, optionalDependencies: _o, allowScripts: _a, ...kept } = pkg;
  const dependencies = Object.fromEntries(EXTERNAL.filter((name) => pkg.dependencies?.[name]).map((name) => [name, pkg.dependencies[name]]));
  return { ...kept, dependencies };
}

function restore() {
  if (existsSync(saved)) renameSync(saved, manifest);
}

const step = process.argv[2];
if (step === 'prepack') {
  restore(); // a pack that failed half-way left the packed manifest in place
  await build();
  const original = readFileSync(manifest, 'utf8');
  writeFileSync(saved, original);
  writeFileSync(manifest, `${JSON.stringify(packedManifest(JSON.parse(original)), null, 2)}\n`);
} else if (step === 'postpack') {
  restore();
} else {
  process.stderr.write('usage: node scripts/pack-manifest.mjs prepack|postpack\n');
  process.exit(2);
}
