// The CDK stack synthesized in-process: runtime, event wiring, schedules, least-privilege IAM, and a clean cdk-nag run.
import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/nag.ts';
import { DEFAULT_SETTINGS, type StreambedSettings } from '../../infra/settings.ts';
import { StreambedStack } from '../../infra/stack.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Bundling is skipped here (test/infra/bundle.test.ts builds a real asset); the template is the same. */
function synth(settings: StreambedSettings = DEFAULT_SETTINGS, nag = false): { app: App; stack: StreambedStack } {
  const outdir = mkdtempSync(join(tmpdir(), 'streambed-cdk-'));
  outdirs.push(outdir);
  // The built-in CloudFormation linter costs ~4 s per process here; cdk-nag is what these tests check.
  const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new StreambedStack(app, 'Test', { settings, env: { account: '123456789012', region: 'eu-west-1' } });
  if (nag) addNagChecks(app);
  return { app, stack };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Every statement of the inline policies attached to the role whose logical ID starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const out: Statement[] = [];
  for (const p of Object.values(policies)) {
    const roles = (p.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref);
    if (roles.some((r) => r.startsWith(rolePrefix))) out.push(...(p.Properties.PolicyDocument.Statement as Statement[]));
  }
  if (out.length === 0) throw new Error(`no policy attached to a role named ${rolePrefix}…`);
  return out;
}

function actionsOf(statements: Statement[], effect = 'Allow'): string[] {
  return statements.filter((s) => s.Effect === effect).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

/** Synthesizes the whole app once (running the cdk-nag plugin when added) and returns the stack's template. */
function templateOf(app: App, stack: Stack): Template {
  return Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>);
}

describe('streambed stack', () => {
  let template: Template;
  beforeAll(() => {
    // With cdk-nag: synthesis itself throws on any unacknowledged finding.
    const { app, stack } = synth(DEFAULT_SETTINGS, true);
    template = templateOf(app, stack);
  });

  it('runs every function on nodejs24.x, arm64, with log retention', () => {
    // All but CDK's own bucket-notification handler.
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => !id.startsWith('BucketNotificationsHandler'));
    expect(functions).toHaveLength(5);
    for (const [, f] of functions) {
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.LoggingConfig?.LogGroup).toBeDefined();
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('feeds .ltx notifications through SQS with a dead-letter queue to the compaction function', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.ltx' }] } } }],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1800,
      DelaySeconds: 30,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 20,
    });
    const compact = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Compact') } }));
    expect(compact[0].Properties.Timeout * 6).toBeLessThanOrEqual(1800);
    expect(compact[0].Properties.Environment.Variables).toMatchObject({ LEVELS: '30s,5m,1h', RETENTION_ENABLED: 'true' });
  });

  it('schedules the sweep, retention and verification', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.ScheduleExpression).sort();
    expect(rules).toEqual(['rate(1 day)', 'rate(15 minutes)', 'rate(5 minutes)']);
  });

  it('creates a private, TLS-only, encrypted bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('gives each function only the S3 actions it uses', () => {
    const compact = actionsOf(statementsOf(template, 'CompactionCompactRole'));
    expect(compact).toEqual(expect.arrayContaining(['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject']));
    const retention = actionsOf(statementsOf(template, 'ChecksRetentionRole'));
    expect(retention.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:DeleteObject', 's3:ListBucket']);
    const verify = actionsOf(statementsOf(template, 'ChecksVerifyRole'));
    expect(verify.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    const restore = statementsOf(template, 'RestoreRole');
    expect(actionsOf(restore)).not.toContain('s3:DeleteObject');
    const restoreWrite = restore.find((s) => actionsOf([s]).includes('s3:PutObject'));
    expect(JSON.stringify(restoreWrite?.Resource)).toContain('/restores/*');
    // Compaction writes levels 0001..0009 only: never an agent's L0 file.
    const compactWrite = statementsOf(template, 'CompactionCompactRole').find((s) => actionsOf([s]).includes('s3:PutObject'));
    expect(JSON.stringify(compactWrite?.Resource)).not.toContain('0000/');
    for (const s of [...statementsOf(template, 'CompactionCompactRole'), ...statementsOf(template, 'ChecksVerifyRole')]) {
      expect(actionsOf([s]).some((a) => a.includes('*'))).toBe(false);
    }
  });

  it('exports an agent policy that can put and get L0 files and list, but never delete', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const agent = policies.find((p) => String(p.Properties.Description).startsWith('streambed agent'));
    const statements = agent?.Properties.PolicyDocument.Statement as Statement[];
    expect(actionsOf(statements).sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    for (const s of statements.filter((x) => x.Effect === 'Allow' && actionsOf([x]).some((a) => a === 's3:PutObject' || a === 's3:GetObject'))) {
      expect(JSON.stringify(s.Resource)).toMatch(/0000\/\*/);
      expect(JSON.stringify(s.Resource)).not.toMatch(/000[1-9]/);
    }
    expect(actionsOf(statements, 'Deny')).toContain('s3:DeleteObject');
    template.hasOutput('AgentPolicyArn', {});
  });

  it('imports an existing bucket by name (and cdk-nag passes on that variant too)', () => {
    const variant = synth({ ...DEFAULT_SETTINGS, bucketName: 'my-existing-bucket', versioned: true }, true);
    const imported = templateOf(variant.app, variant.stack);
    imported.resourceCountIs('AWS::S3::Bucket', 0);
    const env = Object.values(imported.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))[0].Properties.Environment.Variables;
    expect(env.BUCKET_NAME).toBe('my-existing-bucket');
  });

  it('fails synthesis on a cdk-nag finding nobody acknowledged (the checks above are live)', () => {
    const { app, stack: bad } = synth(DEFAULT_SETTINGS, true);
    bad.checks.verify.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::other-bucket/*'] }),
    );
    let message = '';
    try {
      app.synth();
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/Checks\/Verify\/Role[\s\S]*AwsSolutions-IAM5\[Resource::arn:aws:s3:::other-bucket\/\*\]/);
  });
});
