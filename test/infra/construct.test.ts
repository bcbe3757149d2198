// StreambedBackup used directly in an app: a new bucket (KMS, versioning, Object Lock) and an imported one.
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { StreambedBackup, StreambedPropsError } from '../../infra/index.ts';
import { TEST_ENV, actionsOf, newApp, statementsOf, templateOf } from './synth.ts';

describe('StreambedBackup construct', () => {
  it('creates a KMS-encrypted, versioned bucket with Object Lock, and grants the functions the key', () => {
    const app = newApp(true);
    const stack = new Stack(app, 'New', { env: TEST_ENV });
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    new StreambedBackup(stack, 'Backup', { encryptionKey: key, objectLock: { mode: 'COMPLIANCE', days: 30 }, restoresExpireDays: 2, alarmEmail: 'ops@example.com' });
    const t = templateOf(app, stack);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] },
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } } },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'restores/', ExpirationInDays: 2 }), Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } })]) },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    for (const role of ['BackupCompactionCompactRole', 'BackupRestoreRole', 'BackupChecksVerifyRole']) {
      expect(actionsOf(statementsOf(t, role))).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
    }
  });

  it('uses an imported bucket as is: no bucket, no lifecycle, the name in every function (cdk-nag clean)', () => {
    const app = newApp(true);
    const stack = new Stack(app, 'Imported', { env: TEST_ENV });
    const backup = new StreambedBackup(stack, 'Backup', { bucket: Bucket.fromBucketName(stack, 'Mine', 'my-existing-bucket'), databases: ['app.db'] });
    backup.addHost('Web', { kind: 'ec2', databases: ['app.db'] });
    const t = templateOf(app, stack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    const fns = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } }));
    expect(fns.length).toBe(5);
    for (const f of fns) expect(f.Properties.Environment.Variables.BUCKET_NAME).toBe('my-existing-bucket');
    expect(JSON.stringify(statementsOf(t, 'BackupRestoreRole'))).toContain('my-existing-bucket/restores/*');
    // S3 → SQS wiring still goes onto the imported bucket (CDK's notifications custom resource).
    t.resourceCountIs('Custom::S3BucketNotifications', 1);
  });

  it('sizes verification for full mode (10 GiB /tmp) only when asked, and runs one sweep at a time', () => {
    const app = newApp();
    const stack = new Stack(app, 'Full', { env: TEST_ENV });
    new StreambedBackup(stack, 'Backup', { verifyFull: true });
    const t = templateOf(app, stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Verify'),
      EphemeralStorage: { Size: 10240 },
      MemorySize: 3008,
      Environment: { Variables: Match.objectLike({ VERIFY_FULL: 'true' }) },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Maintenance pass'), ReservedConcurrentExecutions: 1 });
  });

  it('refuses props it cannot honour, naming them', () => {
    const stack = new Stack(newApp(), 'Bad', { env: TEST_ENV });
    const imported = Bucket.fromBucketName(stack, 'B', 'other-bucket');
    expect(() => new StreambedBackup(stack, 'A', { bucket: imported, versioned: true })).toThrow(StreambedPropsError);
    expect(() => new StreambedBackup(stack, 'C', { schedules: { sweep: 'every 5 minutes' } })).toThrow(/schedules.sweep/);
    expect(() => new StreambedBackup(stack, 'D', { databases: ['tenant/*'] })).toThrow(/databases\[0\]/);
    expect(() => new StreambedBackup(stack, 'E', { snapshotInterval: '0s' })).toThrow(/snapshotInterval/);
  });
});
