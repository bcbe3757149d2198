// The ready app's stack: one StreambedBackup from context settings, host roles for its databases, and outputs.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { settingsFromContext, type AppSettings } from './settings.ts';
import { StreambedBackup } from './streambed-backup.ts';
import type { HostAccess } from './host-access.ts';

export interface StreambedStackProps extends StackProps {
  /** Defaults to the CDK context (see infra/settings.ts). */
  settings?: AppSettings;
}

export class StreambedStack extends Stack {
  readonly backup: StreambedBackup;
  readonly ec2Host?: HostAccess;
  readonly ecsHost?: HostAccess;

  constructor(scope: Construct, id: string, props: StreambedStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? settingsFromContext(this.node);
    this.backup = new StreambedBackup(this, 'Backup', {
      ...settings.props,
      ...(settings.bucketName ? { bucket: Bucket.fromBucketName(this, 'ImportedBucket', settings.bucketName) } : {}),
      ...(settings.kmsKeyArn ? { encryptionKey: Key.fromKeyArn(this, 'ImportedKey', settings.kmsKeyArn) } : {}),
    });
    const databases = this.backup.settings.databases.length > 0 ? this.backup.settings.databases : 'any';
    if (settings.hostRoles) {
      this.ec2Host = this.backup.addHost('Ec2Host', { kind: 'ec2', databases });
      this.ecsHost = this.backup.addHost('EcsHost', { kind: 'ecs', databases });
    }

    const b = this.backup;
    new CfnOutput(this, 'BucketName', { value: b.bucket.bucketName });
    new CfnOutput(this, 'RestoreFunctionName', { value: b.restore.restore.fn.functionName, description: 'streambed restore -remote <this> …' });
    new CfnOutput(this, 'AlarmTopicArn', { value: b.alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: b.alarms.dashboard.dashboardName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: b.compaction.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AsyncFailureQueueUrl', { value: b.asyncFailureQueue.queueUrl });
    if (this.ec2Host?.instanceProfile) {
      new CfnOutput(this, 'HostPolicyArn', { value: this.ec2Host.policy.managedPolicyArn, description: 'attach to your own host roles (compaction: remote)' });
      new CfnOutput(this, 'Ec2InstanceProfileName', { value: this.ec2Host.instanceProfile.instanceProfileName });
      new CfnOutput(this, 'EcsTaskRoleArn', { value: this.ecsHost?.role.roleArn ?? '' });
    }
  }
}
