// Which vitest project a test file belongs to: `e2e` when it starts child processes, `unit` when it runs in-process.
//
// The rule: a test file is end-to-end when it starts a child process, that is when it imports node:child_process
// or uses a test/bench helper function that does. Helpers are followed name by name, so a file that only calls a
// helper's in-process entry (e.g. runMain) stays a unit test although the same helper module can also spawn.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const PROCESS_MODULES = new Set(['node:child_process', 'child_process']);
/** Test helpers are followed; product code is not (the agent's `exec` child is the product's own business). */
const HELPER_ROOTS = ['test/', 'bench/', 'scripts/'];

interface ImportClause {
  spec: string;
  /** [imported name, local name]; '*' for a namespace import. */
  names: Array<[string, string]>;
}

const COMMENT = /\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm;
const IMPORT =
  /^\s*(?:import\s+(?:type\s+)?([^;'"]*?)|export\s+(?:type\s+)?(\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?))\s*from\s*['"]([^'"]+)['"];?|^\s*import\s*['"]([^'"]+)['"];?/gm;
const DECLARATION = /^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/;

function parseImports(code: string): ImportClause[] {
  const out: ImportClause[] = [];
  for (const m of code.matchAll(IMPORT)) {
    if (m[4]) {
      out.push({ spec: m[4], names: [] });
      continue;
    }
    const clause = m[1] ?? m[2]!;
    const names: Array<[string, string]> = [];
    const ns = clause.match(/\*\s+as\s+([\w$]+)/);
    if (ns) names.push(['*', ns[1]!]);
    const braces = clause.match(/\{([\s\S]*)\}/);
    for (const part of braces ? braces[1]!.split(',') : []) {
      const [imported, local = imported] = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
      if (imported) names.push([imported, local!]);
    }
    const def = clause.replace(/\{[\s\S]*\}/, '').replace(/\*\s+as\s+[\w$]+/, '').replace(/,/g, '').trim();
    if (def && def !== 'type') names.push(['default', def]);
    out.push({ spec: m[3]!, names });
  }
  return out;
}

/** Top-level statements, each as [declared name or '', text]; a statement runs until the next one at column 0. */
function topLevelChunks(code: string): Array<[string, string]> {
  const chunks: Array<[string, string]> = [];
  for (const line of code.replace(IMPORT, '').split('\n')) {
    const starts = /^[A-Za-z_$@]/.test(line);
    if (starts || chunks.length === 0) chunks.push([line.match(DECLARATION)?.[1] ?? '', line]);
    else chunks[chunks.length - 1]![1] += `\n${line}`;
  }
  return chunks;
}

const mentions = (text: string, ids: ReadonlySet<string>): boolean =>
  [...ids].some((id) => new RegExp(`(^|[^\\w$.])${id.replace(/\$/g, '\\$')}\\b`).test(text));

export class ProcessUse {
  private readonly root: string;
  /** Per helper file: the exported names that start a process ('*' when any does). */
  private readonly memo = new Map<string, Set<string>>();

  constructor(root: string) {
    this.root = root;
  }

  /** The local identifiers of `file` that start a process: imported ones, then its own declarations using them. */
  private spawningIds(file: string): { ids: Set<string>; chunks: Array<[string, string]>; imported: Set<string> } {
    const code = readFileSync(join(this.root, file), 'utf8').replace(COMMENT, '$1');
    const imported = new Set<string>();
    for (const { spec, names } of parseImports(code)) {
      if (PROCESS_MODULES.has(spec)) {
        for (const [, local] of names) imported.add(local);
        if (names.length === 0) imported.add('*side-effect*');
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = relative(this.root, resolve(this.root, dirname(file), spec)).split('\\').join('/');
      if (!HELPER_ROOTS.some((r) => target.startsWith(r))) continue;
      const spawning = this.spawningExports(target);
      for (const [name, local] of names) if (spawning.has(name) || (name === '*' && spawning.size > 0)) imported.add(local);
      if (names.length === 0 && spawning.has('*top-level*')) imported.add('*side-effect*');
    }
    const chunks = topLevelChunks(code);
    const ids = new Set(imported);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [name, text] of chunks) {
        if (name && !ids.has(name) && mentions(text, ids)) {
          ids.add(name);
          grew = true;
        }
      }
    }
    return { ids, chunks, imported };
  }

  /** The exported names of a helper that start a process; '*top-level*' when importing it already does. */
  spawningExports(file: string): Set<string> {
    const known = this.memo.get(file);
    if (known) return known;
    const result = new Set<string>();
    this.memo.set(file, result); // a cycle between helpers sees the names found so far
    if (!existsSync(join(this.root, file))) return result;
    const { ids, chunks, imported } = this.spawningIds(file);
    for (const [name] of chunks) if (name && ids.has(name)) result.add(name);
    for (const id of imported) result.add(id); // re-exported or used under the same name
    if (chunks.some(([name, text]) => !name && mentions(text, ids))) result.add('*top-level*');
    return result;
  }

  /** Whether running `testFile` starts a child process (see the rule at the top of this file). */
  startsProcesses(testFile: string): boolean {
    const { ids, chunks, imported } = this.spawningIds(testFile);
    return imported.has('*side-effect*') || chunks.some(([, text]) => mentions(text, ids));
  }
}

function testFiles(root: string, dir = 'test'): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return testFiles(root, rel);
    return e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

/** Every test file under test/, split by the rule above, as project-relative paths. */
export function testKinds(root: string): { unit: string[]; e2e: string[] } {
  const use = new ProcessUse(root);
  const files = testFiles(root).sort();
  const e2e = files.filter((f) => use.startsProcesses(f));
  return { unit: files.filter((f) => !e2e.includes(f)), e2e };
}
