// Guards the shape of the tree: no import cycle between files or between core's modules, and core below the hosts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, findCycles, importSpecifiers, type ImportGraph } from './import-graph.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOSTS = ['agent', 'cli', 'functions', 'infra'];
const graph = buildImportGraph(ROOT, ['core', ...HOSTS]);

/** `core/<folder>` for core (a file directly in core/ is its own module), the top folder for a host. */
function moduleOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'core' ? parts.slice(0, 2).join('/') : parts[0]!;
}

function moduleGraph(files: ImportGraph): ImportGraph {
  const modules: ImportGraph = new Map();
  for (const [file, targets] of files) {
    const from = moduleOf(file);
    const edges = new Set(modules.get(from) ?? []);
    for (const target of targets) {
      const to = moduleOf(target);
      if (to !== from) edges.add(to);
    }
    modules.set(from, [...edges].sort());
  }
  return modules;
}

/** `a.ts -> b.ts` lines for every import from a file of module `from` to a file of module `to`. */
function edgesBetween(from: string, to: string): string[] {
  return [...graph].flatMap(([file, targets]) =>
    moduleOf(file) === from ? targets.filter((t) => moduleOf(t) === to).map((t) => `${file} -> ${t}`) : [],
  );
}

function describeCycle(cycle: string[]): string {
  const steps = cycle.slice(1).map((to, i) => `  ${cycle[i]} -> ${to}: ${edgesBetween(cycle[i]!, to)[0] ?? ''}`);
  return [cycle.join(' -> '), ...steps].join('\n');
}

describe('import graph', () => {
  it('reads static, re-export, side-effect and dynamic imports, and ignores commented ones', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type {\n  B,\n} from '../b.ts';",
      "export { c } from './c.ts';",
      "import './d.ts';",
      "const e = await import('./e.ts');",
      "// import { f } from './f.ts';",
      "/* import { g } from './g.ts'; */",
      "const url = 'http://example.com/x';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts']);
  });

  it('finds a cycle and names the files on it', () => {
    const g: ImportGraph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
    ]);
    expect(findCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(new Map([['a.ts', ['d.ts']], ['d.ts', []]]))).toEqual([]);
  });

  it('has read the tree', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('core/compact/maintenance.ts')).toContain('core/retention/enforce.ts');
  });
});

describe('architecture', () => {
  it('has no import cycle between files (core, agent, cli, functions, infra)', () => {
    const cycles = findCycles(graph).map((c) => c.join(' -> '));
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it("has no import cycle between core's modules and the hosts", () => {
    const cycles = findCycles(moduleGraph(graph)).map(describeCycle);
    expect(cycles, `module cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('keeps core below the hosts: core imports nothing from agent, cli, functions, infra or test', () => {
    const outside = ['agent', 'cli', 'functions', 'infra', 'test', 'bench', 'scripts'];
    const bad = [...graph].flatMap(([file, targets]) =>
      file.startsWith('core/') ? targets.filter((t) => outside.includes(t.split('/')[0]!)).map((t) => `${file} -> ${t}`) : [],
    );
    expect(bad).toEqual([]);
  });

  it('keeps test code out of the product: no host imports test/ or bench/', () => {
    const bad = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => /^(test|bench)\//.test(t)).map((t) => `${file} -> ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it('keeps the CLI a host of its own: agent and functions do not import cli', () => {
    const bad = [...graph].flatMap(([file, targets]) =>
      /^(agent|functions)\//.test(file) ? targets.filter((t) => t.startsWith('cli/')).map((t) => `${file} -> ${t}`) : [],
    );
    expect(bad).toEqual([]);
  });
});
