// The project's import graph read from the source text: which .ts file imports which, for the architecture tests.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Project-relative paths (`core/ltx/header.ts`) to the project files each one imports. */
export type ImportGraph = Map<string, string[]>;

/** Static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')` specifiers. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
const COMMENT = /\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm;

export function importSpecifiers(source: string): string[] {
  const code = source.replace(COMMENT, '$1');
  return [...code.matchAll(SPECIFIER)].map((m) => m[1]!);
}

function tsFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) out.push(...tsFiles(root, rel));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
  return out;
}

/** Edges between project files under `dirs`; bare package specifiers (`node:fs`, `yaml`) are left out. */
export function buildImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of dirs.flatMap((d) => tsFiles(root, d)).sort()) {
    const targets = importSpecifiers(readFileSync(join(root, file), 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(root, resolve(root, dirname(file), s)).split('\\').join('/'));
    graph.set(file.split('\\').join('/'), [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * Every strongly connected component with more than one file (or a file importing itself), each as one cycle
 * through it, so a failure prints the loop to break. Tarjan's algorithm, iterative to stay clear of deep stacks.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: start, edge: 0 }];
    index.set(start, next); low.set(start, next); next += 1; stack.push(start); onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const edges = (graph.get(top.node) ?? []).filter((t) => graph.has(t));
      if (top.edge < edges.length) {
        const to = edges[top.edge++]!;
        if (!index.has(to)) {
          index.set(to, next); low.set(to, next); next += 1; stack.push(to); onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string;
        do { member = stack.pop()!; onStack.delete(member); component.push(member); } while (member !== top.node);
        if (component.length > 1 || (graph.get(top.node) ?? []).includes(top.node)) components.push(component);
      }
    }
  }
  return components.map((c) => cycleThrough(graph, new Set(c)));
}

/** A shortest path from the component's first file (sorted) back to itself, staying inside the component. */
function cycleThrough(graph: ImportGraph, members: Set<string>): string[] {
  const start = [...members].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(to)) { previous.set(to, node); queue.push(to); }
    }
  }
  return [start, start];
}
