// Test helper: synthesizes stacks in-process (no asset bundling) and reads policies and alarms out of templates.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { addNagChecks } from '../../infra/nag.ts';
import { type AppSettings } from '../../infra/settings.ts';
import { StreambedStack } from '../../infra/stack.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const DEFAULT_APP: AppSettings = { hostRoles: true, props: {} };

/** Bundling is skipped (test/infra/bundle.test.ts builds a real asset); the template is the same otherwise. */
export function newApp(nag = false): App {
  const outdir = mkdtempSync(join(tmpdir(), 'streambed-cdk-'));
  outdirs.push(outdir);
  // The built-in CloudFormation linter costs ~4 s per process here; cdk-nag is what these tests check.
  const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  if (nag) addNagChecks(app);
  return app;
}

export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' };

export function synthStack(settings: AppSettings = DEFAULT_APP, nag = false): { app: App; stack: StreambedStack; template: () => Template } {
  const app = newApp(nag);
  const stack = new StreambedStack(app, 'Test', { settings, env: TEST_ENV });
  return { app, stack, template: () => templateOf(app, stack) };
}

/** Synthesizes the whole app once (running cdk-nag when added) and returns the stack's template. */
export function templateOf(app: App, stack: Stack): Template {
  return Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>);
}

export type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

/** Every statement of the inline policies attached to the role whose logical ID starts with `rolePrefix`. */
export function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const out: Statement[] = [];
  for (const p of Object.values(policies)) {
    const roles = (p.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref);
    if (roles.some((r) => r.startsWith(rolePrefix))) out.push(...(p.Properties.PolicyDocument.Statement as Statement[]));
  }
  if (out.length === 0) throw new Error(`no policy attached to a role named ${rolePrefix}…`);
  return out;
}

/** Statements of every managed policy attached to the role whose logical ID starts with `rolePrefix`. */
export function managedStatementsOf(template: Template, rolePrefix: string): Statement[] {
  const out: Statement[] = [];
  for (const p of Object.values(template.findResources('AWS::IAM::ManagedPolicy'))) {
    const roles = ((p.Properties.Roles ?? []) as Array<{ Ref: string } | string>).map((r) => (typeof r === 'string' ? r : r.Ref));
    if (roles.some((r) => r.startsWith(rolePrefix))) out.push(...(p.Properties.PolicyDocument.Statement as Statement[]));
  }
  if (out.length === 0) throw new Error(`no managed policy attached to a role named ${rolePrefix}…`);
  return out;
}

export function actionsOf(statements: Statement[], effect = 'Allow'): string[] {
  return statements.filter((s) => s.Effect === effect).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}
