// Managed policies for host agents: write L0 files only (compaction: remote), and read-only access for restores.
import { ManagedPolicy, PolicyStatement, Effect } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { allow } from './nag.ts';
import { PER_DB_KEYS, l0ObjectArns, listStatement, readStatement, writeStatement } from './iam.ts';

/**
 * The agent writes and reads its own L0 files and lists the bucket; it can never delete or overwrite a compacted
 * file, so a compromised host cannot erase history. Attach `agentPolicy` to the hosts' instance or task roles;
 * `restorePolicy` where `streambed restore` runs.
 */
export class AgentPolicies extends Construct {
  readonly agentPolicy: ManagedPolicy;
  readonly restorePolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: { bucket: IBucket }) {
    super(scope, id);
    const { bucket } = props;
    this.agentPolicy = new ManagedPolicy(this, 'AgentPolicy', {
      description: 'streambed agent (compaction: remote): put/get L0 LTX files and list the replica bucket; no delete',
    });
    allow(this.agentPolicy, listStatement(bucket), PER_DB_KEYS);
    allow(this.agentPolicy, readStatement(bucket, l0ObjectArns(bucket)), `${PER_DB_KEYS} Only level 0000 (the agent's own files).`);
    allow(this.agentPolicy, writeStatement(bucket, l0ObjectArns(bucket)), `${PER_DB_KEYS} Only level 0000: the agent cannot overwrite compacted files.`);
    allow(
      this.agentPolicy,
      new PolicyStatement({ sid: 'NeverDelete', effect: Effect.DENY, actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], resources: [bucket.arnForObjects('*')] }),
      'An explicit deny on every key: wildcards here only take permissions away.',
    );
    this.restorePolicy = new ManagedPolicy(this, 'RestorePolicy', {
      description: 'streambed restore on a host: read every LTX level and list the replica bucket',
    });
    allow(this.restorePolicy, listStatement(bucket), PER_DB_KEYS);
    allow(this.restorePolicy, readStatement(bucket), `${PER_DB_KEYS} A restore reads every level.`);
  }
}
