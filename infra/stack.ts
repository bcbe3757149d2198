// The streambed stack: replica bucket, event-driven compaction, scheduled retention/verify, restore, agent policies.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AgentPolicies } from './agent-policy.ts';
import { replicaBucket } from './bucket.ts';
import { Compaction } from './compaction.ts';
import { acknowledge } from './nag.ts';
import { RestoreFunction } from './restore.ts';
import { ScheduledChecks } from './scheduled.ts';
import { maintenanceEnvironment, settingsFromContext, type StreambedSettings } from './settings.ts';

export interface StreambedStackProps extends StackProps {
  /** Defaults to the CDK context (see infra/settings.ts). */
  settings?: StreambedSettings;
}

/** CloudWatch Logs accepts only certain day counts; round up to the next one. */
function logRetention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number' && v > 0).sort((a, b) => a - b);
  return allowed.find((d) => d >= days) ?? RetentionDays.ONE_MONTH;
}

export class StreambedStack extends Stack {
  readonly bucket: IBucket;
  readonly compaction: Compaction;
  readonly checks: ScheduledChecks;
  readonly restore: RestoreFunction;
  readonly agent: AgentPolicies;

  constructor(scope: Construct, id: string, props: StreambedStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? settingsFromContext(this.node);
    const retention = logRetention(settings.logRetentionDays);
    this.bucket = replicaBucket(this, settings);
    const environment = maintenanceEnvironment(settings, this.bucket.bucketName);
    const firstLevel = settings.maintenance.levels.split(',')[0]?.trim() || '30s';
    this.compaction = new Compaction(this, 'Compaction', {
      bucket: this.bucket,
      environment,
      firstLevel,
      sweepSchedule: settings.sweepSchedule,
      logRetention: retention,
    });
    this.checks = new ScheduledChecks(this, 'Checks', {
      bucket: this.bucket,
      environment,
      retentionSchedule: settings.retentionSchedule,
      verifySchedule: settings.verifySchedule,
      logRetention: retention,
    });
    this.restore = new RestoreFunction(this, 'Restore', { bucket: this.bucket, logRetention: retention });
    this.agent = new AgentPolicies(this, 'Agents', { bucket: this.bucket });

    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'AgentPolicyArn', { value: this.agent.agentPolicy.managedPolicyArn, description: 'attach to host roles (compaction: remote)' });
    new CfnOutput(this, 'RestorePolicyArn', { value: this.agent.restorePolicy.managedPolicyArn });
    new CfnOutput(this, 'RestoreFunctionName', { value: this.restore.restore.fn.functionName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.compaction.deadLetterQueue.queueUrl });
    this.acknowledgeOwnFindings(settings);
  }

  private acknowledgeOwnFindings(settings: StreambedSettings): void {
    if (!settings.bucketName) {
      acknowledge(
        this.bucket,
        'AwsSolutions-S1',
        'Every object write is an LTX file named by its TXID range and stamped with litestream-timestamp metadata; enable CloudTrail S3 data events for an access audit instead of one log object per upload.',
      );
    }
    // Created by bucket.addEventNotification: CDK's own handler that writes the bucket's notification configuration.
    const notifications = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notifications) {
      acknowledge(
        notifications,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK-provided custom resource that configures bucket notifications once per deployment; it only writes its own logs.',
      );
    }
  }
}
