// cdk-nag (AwsSolutions) for the app, and a reasoned acknowledgement next to every permission it flags.
import { Stack, Validations, type App } from 'aws-cdk-lib';
import type { ManagedPolicy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Every finding fails synthesis unless it is acknowledged with a reason. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** `AwsSolutions-IAM5[…]` as the plugin names it (the `AwsSolutions::` prefix routes it to cdk-nag). */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}

/** Renders a resolved CloudFormation value the way cdk-nag spells it in finding IDs (`<Logical.Arn>/x`). */
function nagText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(nagText).join(sep);
    }
    if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  }
  return JSON.stringify(value);
}

/**
 * Adds `statement` to a role or managed policy and acknowledges the IAM5 finding of each wildcard resource with
 * `reason`, so the justification sits next to the permission it justifies.
 */
export function allow(target: Role | ManagedPolicy, statement: PolicyStatement, reason: string): void {
  if ('addToPolicy' in target) target.addToPolicy(statement);
  else target.addStatements(statement);
  const stack = Stack.of(target);
  for (const resource of statement.resources) {
    const text = nagText(stack.resolve(resource));
    if (text.includes('*')) acknowledge(target, `AwsSolutions-IAM5[Resource::${text}]`, reason);
  }
}
