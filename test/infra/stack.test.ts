// The ready app's stack synthesized in-process: runtime, event wiring, schedules, least-privilege IAM, clean cdk-nag.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../infra/settings.ts';
import { DEFAULT_APP, actionsOf, newApp, statementsOf, synthStack } from './synth.ts';

describe('streambed stack', () => {
  let template: Template;
  beforeAll(() => {
    // With cdk-nag: synthesis itself throws on any unacknowledged finding.
    template = synthStack(DEFAULT_APP, true).template();
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

  it('schedules the sweep, retention and verification; each async function has a failure destination and no retries', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.ScheduleExpression).sort();
    expect(rules).toEqual(['rate(1 day)', 'rate(15 minutes)', 'rate(5 minutes)']);
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    // Sweep, retention, verify (async) and restore (sync; no retry of a restore someone waits for).
    expect(configs).toHaveLength(4);
    for (const c of configs) expect(c.Properties.MaximumRetryAttempts).toBe(0);
    const withDestination = configs.filter((c) => c.Properties.DestinationConfig?.OnFailure?.Destination);
    expect(withDestination).toHaveLength(3);
    const sweep = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Maintenance pass') } }))[0];
    expect(sweep.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('creates a private, TLS-only, encrypted bucket whose restores/ expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'restores/', ExpirationInDays: 7, Status: 'Enabled' })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('gives each function only the S3 actions it uses', () => {
    const compact = actionsOf(statementsOf(template, 'BackupCompactionCompactRole'));
    expect(compact).toEqual(expect.arrayContaining(['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject']));
    const retention = actionsOf(statementsOf(template, 'BackupChecksRetentionRole'));
    expect(retention.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:DeleteObject', 's3:ListBucket']);
    const verify = actionsOf(statementsOf(template, 'BackupChecksVerifyRole'));
    expect(verify.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    const restore = statementsOf(template, 'BackupRestoreRole');
    expect(actionsOf(restore)).not.toContain('s3:DeleteObject');
    const restoreWrite = restore.find((s) => actionsOf([s]).includes('s3:PutObject'));
    expect(JSON.stringify(restoreWrite?.Resource)).toContain('/restores/*');
    // Compaction writes levels 0001..0009 (and its lease) only: never an agent's L0 file.
    const compactWrites = statementsOf(template, 'BackupCompactionCompactRole').filter((s) => actionsOf([s]).includes('s3:PutObject'));
    for (const w of compactWrites) expect(JSON.stringify(w.Resource)).not.toContain('0000/');
    for (const s of [...statementsOf(template, 'BackupCompactionCompactRole'), ...statementsOf(template, 'BackupChecksVerifyRole')]) {
      expect(actionsOf([s]).some((a) => a.includes('*'))).toBe(false);
    }
  });

  it('outputs what hosts and operators need', () => {
    for (const name of ['BucketName', 'RestoreFunctionName', 'AlarmTopicArn', 'DashboardName', 'HostPolicyArn', 'Ec2InstanceProfileName', 'EcsTaskRoleArn']) {
      template.hasOutput(name, {});
    }
  });

  it('fails synthesis on a cdk-nag finding nobody acknowledged (the checks above are live)', () => {
    const { app, stack: bad } = synthStack(DEFAULT_APP, true);
    bad.backup.checks.verify.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::other-bucket/*'] }));
    let message = '';
    try {
      app.synth();
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/Checks\/Verify\/Role[\s\S]*AwsSolutions-IAM5\[Resource::arn:aws:s3:::other-bucket\/\*\]/);
  });
});

describe('context keys', () => {
  it('map to construct props, and bad values name the key', () => {
    const app = newApp();
    app.node.setContext('levels', '10s,1m');
    app.node.setContext('dbPaths', 'a.db, tenant/b.db');
    app.node.setContext('objectLockMode', 'GOVERNANCE');
    app.node.setContext('objectLockDays', '3');
    app.node.setContext('sweepSchedule', 'rate(10 minutes)');
    const s = settingsFromContext(app.node);
    expect(s.props).toMatchObject({ levels: ['10s', '1m'], databases: ['a.db', 'tenant/b.db'], objectLock: { mode: 'GOVERNANCE', days: 3 }, schedules: { sweep: 'rate(10 minutes)' } });
    const bad = newApp();
    bad.node.setContext('versioned', 'yes');
    expect(() => settingsFromContext(bad.node)).toThrow(/context versioned="yes": use true or false/);
  });

  it('a bad level order stops synthesis with the construct prop named', () => {
    expect(() => synthStack({ hostRoles: false, props: { levels: ['1h', '30s'] } })).toThrow(/StreambedBackup levels \["1h","30s"\]: L2 interval 30s must be longer than L1's 1h/);
  });
});
