// Parses config YAML into a small tree of maps, lists and string scalars that remembers each node's line number.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { ConfigError } from '../errors.ts';

export interface ScalarNode {
  kind: 'scalar';
  line: number;
  /** The text as written; null for an empty value, `~` or `null`. */
  value: string | null;
  /** Quoted scalars are never read as null or booleans. */
  quoted: boolean;
}

export interface MapEntry {
  key: string;
  line: number;
  value: ConfigNode;
}

export interface MapNode {
  kind: 'map';
  line: number;
  entries: Map<string, MapEntry>;
}

export interface SeqNode {
  kind: 'seq';
  line: number;
  items: ConfigNode[];
}

export type ConfigNode = ScalarNode | MapNode | SeqNode;

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);

interface TreeContext {
  doc: Document;
  lines: LineCounter;
  file?: string;
}

function lineOf(ctx: TreeContext, node: YamlNode | null | undefined, fallback: number): number {
  const offset = node?.range?.[0];
  return offset === undefined ? fallback : ctx.lines.linePos(offset).line;
}

function toNode(ctx: TreeContext, node: unknown, fallbackLine: number, depth = 0): ConfigNode {
  if (depth > 64) throw new ConfigError('the YAML nests too deeply (alias loop?)', { file: ctx.file, line: fallbackLine });
  if (isAlias(node)) return toNode(ctx, node.resolve(ctx.doc), lineOf(ctx, node, fallbackLine), depth + 1);
  if (node === null || node === undefined) return { kind: 'scalar', line: fallbackLine, value: null, quoted: false };
  if (isScalar(node)) {
    const line = lineOf(ctx, node, fallbackLine);
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    const text = node.value === null || node.value === undefined ? '' : String(node.value);
    const isBlock = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    return { kind: 'scalar', line, value: !quoted && !isBlock && NULLS.has(text) ? null : text, quoted };
  }
  if (isSeq(node)) {
    const line = lineOf(ctx, node, fallbackLine);
    return { kind: 'seq', line, items: node.items.map((item) => toNode(ctx, item, line, depth + 1)) };
  }
  if (isMap(node)) return toMap(ctx, node, lineOf(ctx, node, fallbackLine), depth);
  throw new ConfigError('unsupported YAML value', { file: ctx.file, line: fallbackLine });
}

function toMap(ctx: TreeContext, node: { items: { key: unknown; value: unknown }[] }, line: number, depth: number): MapNode {
  const entries = new Map<string, MapEntry>();
  const merges: ConfigNode[] = [];
  for (const pair of node.items) {
    const keyLine = lineOf(ctx, pair.key as YamlNode, line);
    const keyNode = toNode(ctx, pair.key, keyLine, depth + 1);
    if (keyNode.kind !== 'scalar' || keyNode.value === null) {
      throw new ConfigError('a mapping key must be a plain word', { file: ctx.file, line: keyLine });
    }
    const value = toNode(ctx, pair.value, keyLine, depth + 1);
    if (keyNode.value === '<<' && !keyNode.quoted) merges.push(value);
    else entries.set(keyNode.value, { key: keyNode.value, line: keyLine, value });
  }
  // YAML merge keys (`<<: *anchor`) fill in keys the map does not set itself, as Go's yaml.v2 does.
  for (const merge of merges) {
    const sources = merge.kind === 'seq' ? merge.items : [merge];
    for (const src of sources) {
      if (src.kind !== 'map') throw new ConfigError('a merge key (<<) must refer to a mapping', { file: ctx.file, line: src.line });
      for (const [k, e] of src.entries) if (!entries.has(k)) entries.set(k, e);
    }
  }
  return { kind: 'map', line, entries };
}

/** First line of a yaml error message, without the source excerpt (which could show a secret). */
function shortYamlMessage(message: string): string {
  const first = message.split('\n')[0];
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

/** Parses YAML text into a ConfigNode tree; syntax errors become ConfigError with file and line. */
export function parseYamlTree(text: string, file?: string): ConfigNode | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'failsafe', uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = err.pos ? lines.linePos(err.pos[0]).line : undefined;
    throw new ConfigError(`invalid YAML: ${shortYamlMessage(err.message)}; fix the syntax`, { file, line });
  }
  if (doc.contents === null || doc.contents === undefined) return undefined;
  return toNode({ doc, lines, file }, doc.contents, 1);
}
