// Test helper: evaluates synthesized IAM statements against one request (explicit deny, allow, conditions, wildcards).
import type { Statement } from './synth.ts';

/** Values substituted for CloudFormation references when statements are evaluated. */
export interface RefValues {
  /** `{ 'Fn::GetAtt': [id, 'Arn'] }` and `{ Ref: id }` of resources. */
  [logicalIdOrPseudo: string]: string;
}

/** Renders a resolved CloudFormation value as the string IAM would see. */
export function render(value: unknown, refs: RefValues): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => render(p, refs)).join(sep);
  }
  const key = Array.isArray(v['Fn::GetAtt']) ? (v['Fn::GetAtt'] as string[]).join('.') : typeof v.Ref === 'string' ? v.Ref : undefined;
  if (key !== undefined && refs[key] !== undefined) return refs[key];
  if (key !== undefined && key.startsWith('AWS::')) return { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com' }[key] ?? key;
  throw new Error(`cannot render ${JSON.stringify(value)}: give a value for it`);
}

/** IAM's wildcard match: `*` any run of characters (including `/`), `?` exactly one. */
export function iamMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

export interface IamRequest {
  action: string;
  resource: string;
  /** Condition keys, e.g. `s3:prefix` of a ListBucket request. */
  context?: Record<string, string>;
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function conditionsHold(statement: Statement, context: Record<string, string>): boolean {
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const values = list(expected as string | string[]);
      const ok = operator === 'StringLike' ? values.some((p) => iamMatch(p, actual)) : operator === 'StringEquals' ? values.includes(actual) : false;
      if (!ok) return false;
    }
  }
  return true;
}

function applies(statement: Statement, request: IamRequest, refs: RefValues): boolean {
  const actions = list(statement.Action);
  if (!actions.some((a) => iamMatch(a, request.action))) return false;
  const resources = list(statement.Resource as unknown[]).map((r) => render(r, refs));
  if (!resources.some((r) => iamMatch(r, request.resource))) return false;
  return conditionsHold(statement, request.context ?? {});
}

/** 'deny' (explicit), 'allow', or 'implicit-deny' (nothing allows it). */
export function evaluate(statements: Statement[], request: IamRequest, refs: RefValues): 'allow' | 'deny' | 'implicit-deny' {
  const matching = statements.filter((s) => applies(s, request, refs));
  if (matching.some((s) => s.Effect === 'Deny')) return 'deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}
