#!/usr/bin/env node
// Bundles the CLI and agent with esbuild into dist/: streambed.mjs, one file per worker thread or child script, and
// the chunks they share or load on demand.
import { readFile } from 'node:fs/promises';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Files that run as their own thread or process, loaded by `new URL('./<name>.ts', import.meta.url)`: each becomes
 * dist/<name>.mjs next to the bundle, and the plugin below points those URLs at it.
 */
const SEPARATE = {
  'maintenance-worker': 'agent/maintenance-worker.ts',
  'demo-writer': 'agent/demo-writer.ts',
};

/**
 * Native or development-only packages stay outside the bundle: better-sqlite3 loads its addon from its own
 * folder, and fauxqs (demo --s3 only, an optional dependency) is resolved at run time if present.
 */
export const EXTERNAL = ['better-sqlite3', 'fauxqs'];

/**
 * An ES module's imports of an external package are hoisted to the top of the bundle, so every command, even
 * `version`, would load SQLite's native addon before the Node.js version check runs. Requiring it instead keeps it
 * lazy: it loads when the first module that uses it is initialized.
 */
const lazyExternals = {
  name: 'lazy-externals',
  setup(build) {
    const filter = new RegExp(`^(${EXTERNAL.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.kind === 'require-call' && args.namespace === 'lazy-external'
        ? { path: args.path, external: true }
        : args.kind === 'dynamic-import'
          ? { path: args.path, external: true }
          : { path: args.path, namespace: 'lazy-external' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-external' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * An ES module import of a Node.js built-in makes Node build its ES module facade, which reads every export once:
 * for node:http that includes the lazy getters that load undici (~9 MiB of RSS and ~60 ms of CPU at start-up,
 * for fetch and WebSocket classes the agent never uses). Bundled code gets the built-ins through require() instead,
 * as the bundled CommonJS packages already do, with or without the `node:` prefix. Static imports resolve to a
 * CommonJS shim; dynamic ones (the AWS SDK's HTTP handler loads node:http by `await import()` for its first
 * request to an http:// endpoint) are rewritten in the source, since with code splitting a dynamic import of the
 * shim would only have a default export. The result is the module object itself, which the SDK's code accepts
 * (`node_http.default ?? node_http`, `const { request } = await import('node:http')`).
 */
const DYNAMIC_BUILTIN_IMPORT = /\bimport\(\s*(["'])((?:node:)?[a-z_/0-9]+)\1\s*\)/g;

const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      return args.kind === 'import-statement' && args.namespace !== 'builtin' ? { path: args.path, namespace: 'builtin' } : { path: args.path, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    build.onLoad({ filter: /\.m?js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import(')) return undefined;
      const contents = source.replace(DYNAMIC_BUILTIN_IMPORT, (match, _quote, name) =>
        isBuiltin(name) ? `Promise.resolve().then(() => require(${JSON.stringify(name)}))` : match,
      );
      return contents === source ? undefined : { contents, loader: 'js' };
    });
  },
};

const WORKER_URL = /new URL\(\s*'\.\/([\w-]+)\.ts'\s*,\s*import\.meta\.url\s*\)/g;

/** Rewrites worker URLs to the bundled .mjs files; an unknown one fails the build instead of the bundle at run time. */
const workerUrls = {
  name: 'worker-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const file = relative(root, args.path);
      const errors = [];
      const contents = source.replace(WORKER_URL, (match, name) => {
        if (!(name in SEPARATE)) errors.push({ text: `${file}: ${match} is not listed in SEPARATE of scripts/build.mjs` });
        return `new URL('./${name}.mjs', import.meta.url)`;
      });
      return { contents, loader: 'ts', errors };
    });
  },
};

/** The packages whose code the bundle carries, from esbuild's list of inputs. */
function bundledPackages(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  return [...dirs].sort();
}

/** Their license texts in one file (the MIT, BSD and Apache licenses ask for the notice to travel with the code). */
function writeLicenses(metafile, outdir) {
  const byText = new Map();
  for (const dir of bundledPackages(metafile)) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(root, dir)).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
    const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : `License: ${pkg.license ?? 'see the package'}`;
    byText.set(text, [...(byText.get(text) ?? []), `${pkg.name}@${pkg.version} (${pkg.license ?? 'unknown'})`]);
  }
  const sections = [...byText].map(([text, names]) => `${names.join('\n')}\n\n${text}\n`);
  writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), `The bundles in this folder contain code from these packages.\n\n${sections.join(`\n${'-'.repeat(80)}\n\n`)}`);
}

export async function build({ outdir = `${root}/dist`, entries = {} } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { streambed: 'bin/streambed.mjs', ...SEPARATE, ...entries },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Each command's modules (and packages only some commands use: the Lambda client, the YAML printer, the
    // progress bar, the restore path) become chunks loaded by its dynamic import, so a command parses only its own.
    splitting: true,
    // A package's ES module build before its CommonJS one (Node's default order is the reverse). This changes only
    // the AWS SDK's packages (dist-es instead of dist-cjs; the others have no `module` field or have `exports`), and
    // those declare no side effects, so esbuild drops the commands, schemas and serializers the agent never uses:
    // `replicate` parses ~1.1 MB of JavaScript instead of ~1.6 MB (about 30 ms less CPU at each start).
    mainFields: ['module', 'main'],
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: EXTERNAL,
    // Bundled CommonJS packages call require() for Node's built-ins; an ES module has none of its own.
    banner: { js: "import { createRequire as __streambedRequire } from 'node:module'; const require = __streambedRequire(import.meta.url);" },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [workerUrls, lazyExternals, builtinsByRequire],
  });
  writeLicenses(result.metafile, outdir);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await build();
  if (process.argv.includes('--analyze')) process.stdout.write(await esbuild.analyzeMetafile(result.metafile));
}
