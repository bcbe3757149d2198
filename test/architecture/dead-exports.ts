// Exported names of core/, agent/, cli/, functions/ and infra/ that no other file imports (tests and benches count as
// importers), outside an explicit list of entry points. dead-exports.test.ts keeps the list empty; run
// `node test/architecture/dead-exports.ts [--all]` to print it (--all also lists names used in their file only).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PRODUCT = ['core', 'agent', 'cli', 'functions', 'infra'];
const IMPORTERS = [...PRODUCT, 'test', 'bench', 'scripts', 'bin'];

function files(root: string, dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(root, rel);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

const strip = (s: string): string => s.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, '$1');
/** `a, type B, c as d` -> [['a'], ['B'], ['c', 'd']]. */
const names = (list: string): Array<[string, string?]> =>
  list.split(',').map((p) => p.trim().replace(/^type\s+/, '')).filter(Boolean).map((p) => p.split(/\s+as\s+/) as [string, string?]);
const target = (root: string, from: string, spec: string): string => relative(root, resolve(root, dirname(from), spec)).split('\\').join('/');

/** Files whose exports are used from outside the source tree, with the names used that way ('*': all of them). */
export const ENTRY_POINTS: Readonly<Record<string, readonly string[]>> = {
  // Lambda handlers, named by the CDK functions (infra/function.ts).
  'functions/compact/handler.ts': ['handler'],
  'functions/maintain/handler.ts': ['handler'],
  'functions/restore/handler.ts': ['handler'],
  'functions/retention/handler.ts': ['handler'],
  'functions/verify/handler.ts': ['handler'],
  // Stands in for better-sqlite3 in the Lambda bundles (an esbuild alias, not an import).
  'functions/shared/sqlite-adapter.ts': ['default'],
  // The CDK library's public entry.
  'infra/index.ts': ['*'],
};

export interface DeadExport {
  file: string;
  name: string;
  kind: 're-export' | 'unused' | 'used in its file only';
}

/** Exports nothing imports; with `all`, also those used only inside their own file. */
export function deadExports(root: string, options: { entryPoints?: Readonly<Record<string, readonly string[]>>; all?: boolean } = {}): DeadExport[] {
  /** file -> its exported names; plus re-exports (`export { a as b } from`) as [file, name, source, sourceName]. */
  const declared = new Map<string, Set<string>>();
  const reexports: Array<[string, string, string, string]> = [];
  /** `file#name` imported somewhere else; `file#*` when a namespace or `export *` takes everything. */
  const used = new Set<string>();
  for (const [file, entryNames] of Object.entries(options.entryPoints ?? ENTRY_POINTS)) for (const name of entryNames) used.add(`${file}#${name}`);

  for (const file of IMPORTERS.flatMap((dir) => files(root, dir))) {
    const code = strip(readFileSync(join(root, file), 'utf8'));
    if (PRODUCT.includes(file.split('/')[0]!)) declared.set(file, exportedNames(root, file, code, reexports));
    for (const key of importedKeys(root, file, code)) used.add(key);
  }

  // A re-export that is itself used uses its source.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [file, name, source, sourceName] of reexports) {
      const key = `${source}#${sourceName}`;
      if ((used.has(`${file}#${name}`) || used.has(`${file}#*`)) && !used.has(key)) {
        used.add(key);
        changed = true;
      }
    }
  }

  const out: DeadExport[] = [];
  for (const [file, own] of [...declared].sort()) {
    if (used.has(`${file}#*`)) continue;
    const code = strip(readFileSync(join(root, file), 'utf8'));
    for (const name of [...own].sort()) {
      if (used.has(`${file}#${name}`)) continue;
      const localUses = name === 'default' ? 0 : (code.match(new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`, 'g'))?.length ?? 0);
      const isReexport = reexports.some(([f, n]) => f === file && n === name);
      if (localUses > 1 && !isReexport && !options.all) continue;
      out.push({ file, name, kind: isReexport ? 're-export' : localUses > 1 ? 'used in its file only' : 'unused' });
    }
  }
  return out;
}

/** The names `file` exports (`default` for a default export); its relative re-exports are added to `reexports`. */
function exportedNames(root: string, file: string, code: string, reexports: Array<[string, string, string, string]>): Set<string> {
  const own = new Set<string>();
  for (const m of code.matchAll(/^export\s+(default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm)) {
    own.add(m[1] ? 'default' : m[2]!);
  }
  for (const m of code.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s*['"]([^'"]+)['"])?/gm)) {
    for (const [local, exported = local] of names(m[1]!)) {
      own.add(exported);
      if (m[2]?.startsWith('.')) reexports.push([file, exported, target(root, file, m[2]), local]);
    }
  }
  return own;
}

/** `target#name` for every name `file` imports from a relative module; `target#*` when it takes the whole module. */
function importedKeys(root: string, file: string, code: string): string[] {
  const keys: string[] = [];
  for (const m of code.matchAll(/\bimport\s+(?:type\s+)?([^;]*?)\s+from\s*['"](\.[^'"]+)['"]/g)) {
    const to = target(root, file, m[2]!);
    const clause = m[1]!;
    if (/\*\s+as\s+/.test(clause)) keys.push(`${to}#*`);
    const braces = clause.match(/\{([\s\S]*)\}/);
    if (braces) for (const [name] of names(braces[1]!)) keys.push(`${to}#${name}`);
    const def = clause.replace(/\{[\s\S]*\}/, '').replace(/,/g, '').trim();
    if (def && !def.startsWith('*')) keys.push(`${to}#default`);
  }
  for (const m of code.matchAll(/^export\s+\*\s+from\s*['"](\.[^'"]+)['"]/gm)) keys.push(`${target(root, file, m[1]!)}#*`);
  // `const { a, b } = await import('./x.ts')`, and `(await import('./x.ts')).a`
  for (const m of code.matchAll(/\{([^{}]*)\}\s*=\s*await\s+import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    for (const [name] of names(m[1]!.replace(/:\s*[\w$]+/g, ''))) keys.push(`${target(root, file, m[2]!)}#${name}`);
  }
  for (const m of code.matchAll(/\(await\s+import\(\s*['"](\.[^'"]+)['"]\s*\)\)\.([\w$]+)/g)) keys.push(`${target(root, file, m[1]!)}#${m[2]}`);
  // Lazy command tables (`() => import('./commands/x.ts')`) hand the whole module to a caller.
  for (const m of code.matchAll(/=>\s*import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) keys.push(`${target(root, file, m[1]!)}#*`);
  return keys;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  for (const d of deadExports(root, { all: process.argv.includes('--all') })) console.log(`${d.file}\t${d.name}\t${d.kind}`);
}
