// Lists exported names of core/, agent/, cli/, functions/ and infra/ that no other file imports (tests and benches
// count as importers). Usage: node test/architecture/dead-exports.ts [--all]; --all also lists names used in their file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const PRODUCT = ['core', 'agent', 'cli', 'functions', 'infra'];
const IMPORTERS = [...PRODUCT, 'test', 'bench', 'scripts', 'bin'];

function files(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(rel);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

const strip = (s: string): string => s.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, '$1');
/** `a, type B, c as d` -> [['a'], ['B'], ['c', 'd']]. */
const names = (list: string): Array<[string, string?]> =>
  list.split(',').map((p) => p.trim().replace(/^type\s+/, '')).filter(Boolean).map((p) => p.split(/\s+as\s+/) as [string, string?]);
const target = (from: string, spec: string): string => relative(ROOT, resolve(ROOT, dirname(from), spec)).split('\\').join('/');

/** name -> file: declared exports; plus re-exports (`export { a as b } from`) as [file, name, source, sourceName]. */
const declared = new Map<string, Set<string>>();
const reexports: Array<[string, string, string, string]> = [];
/** `file#name` imported somewhere else; `file#*` when a namespace or `export *` takes everything. */
const used = new Set<string>();

for (const file of IMPORTERS.flatMap(files)) {
  const code = strip(readFileSync(join(ROOT, file), 'utf8'));
  if (PRODUCT.includes(file.split('/')[0]!)) {
    const own = new Set<string>();
    for (const m of code.matchAll(/^export\s+(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm)) own.add(m[1]!);
    for (const m of code.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s*['"]([^'"]+)['"])?/gm)) {
      for (const [local, exported = local] of names(m[1]!)) {
        own.add(exported);
        if (m[2]?.startsWith('.')) reexports.push([file, exported, target(file, m[2]), local]);
      }
    }
    declared.set(file, own);
  }
  for (const m of code.matchAll(/\bimport\s+(?:type\s+)?([^;]*?)\s+from\s*['"](\.[^'"]+)['"]/g)) {
    const to = target(file, m[2]!);
    const clause = m[1]!;
    if (/\*\s+as\s+/.test(clause)) used.add(`${to}#*`);
    const braces = clause.match(/\{([\s\S]*)\}/);
    if (braces) for (const [name] of names(braces[1]!)) used.add(`${to}#${name}`);
    const def = clause.replace(/\{[\s\S]*\}/, '').replace(/,/g, '').trim();
    if (def && !def.startsWith('*')) used.add(`${to}#default`);
  }
  for (const m of code.matchAll(/^export\s+\*\s+from\s*['"](\.[^'"]+)['"]/gm)) used.add(`${target(file, m[1]!)}#*`);
  // `const { a, b } = await import('./x.ts')`, and `(await import('./x.ts')).a`
  for (const m of code.matchAll(/\{([^}]*)\}\s*=\s*await\s+import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    for (const [name] of names(m[1]!.replace(/:\s*[\w$]+/g, ''))) used.add(`${target(file, m[2]!)}#${name}`);
  }
  for (const m of code.matchAll(/\(await\s+import\(\s*['"](\.[^'"]+)['"]\s*\)\)\.([\w$]+)/g)) used.add(`${target(file, m[1]!)}#${m[2]}`);
  // Lazy command tables (`() => import('./commands/x.ts')`) hand the whole module to a caller.
  for (const m of code.matchAll(/=>\s*import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) used.add(`${target(file, m[1]!)}#*`);
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

const all = process.argv.includes('--all');
for (const [file, own] of [...declared].sort()) {
  if (used.has(`${file}#*`)) continue;
  const code = strip(readFileSync(join(ROOT, file), 'utf8'));
  for (const name of [...own].sort()) {
    if (used.has(`${file}#${name}`)) continue;
    const localUses = code.match(new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`, 'g'))?.length ?? 0;
    const isReexport = reexports.some(([f, n]) => f === file && n === name);
    if (localUses > 1 && !isReexport && !all) continue;
    console.log(`${file}\t${name}\t${isReexport ? 're-export' : localUses > 1 ? 'used in its file only' : 'unused'}`);
  }
}
