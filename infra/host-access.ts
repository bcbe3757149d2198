// Host roles scoped to the databases they serve: write their own L0 files, read their own levels, never delete.
import { Aws } from 'aws-cdk-lib';
import { Effect, InstanceProfile, ManagedPolicy, PolicyStatement, Role, ServicePrincipal, type IPrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { allow } from './nag.ts';
import { kmsStatement } from './iam.ts';

/** Every database (`'any'`): only for a deployment that does not list its databases; prefer explicit paths. */
export type HostDatabases = readonly string[] | 'any';

export interface HostAccessProps {
  bucket: IBucket;
  /** The replica `path` of every database this host replicates (or restores at start). */
  databases: HostDatabases;
  /** `ec2`: a role for EC2 plus an instance profile; `ecs`: an ECS task role; omit and pass `role` to attach to yours. */
  kind?: 'ec2' | 'ecs';
  role?: IRole;
  encryptionKey?: IKey;
}

/** Actions a host may never use on the bucket, whatever else it is granted. */
export const HOST_DENIED_ACTIONS = ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutObjectRetention', 's3:PutObjectLegalHold'];

function paths(databases: HostDatabases): string[] {
  return databases === 'any' ? ['*'] : [...databases];
}

/**
 * List only under its own level directories (`s3:prefix` condition), read its own levels 0000-0009 (so
 * `restore -if-db-not-exists` works at start with the same role), write only its own `0000/`, and an explicit
 * deny on every delete and lock change. `000?` keeps a database's grant off nested paths such as `app.db/x.db/`.
 */
export function hostStatements(bucket: IBucket, databases: HostDatabases): PolicyStatement[] {
  const dbs = paths(databases);
  return [
    new PolicyStatement({
      sid: 'ListOwnLevels',
      effect: Effect.ALLOW,
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': dbs.map((p) => `${p}/000?/*`) } },
    }),
    new PolicyStatement({ sid: 'ReadOwnLevels', effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: dbs.map((p) => bucket.arnForObjects(`${p}/000?/*`)) }),
    new PolicyStatement({
      sid: 'WriteOwnL0',
      effect: Effect.ALLOW,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: dbs.map((p) => bucket.arnForObjects(`${p}/0000/*`)),
    }),
    new PolicyStatement({ sid: 'NeverDelete', effect: Effect.DENY, actions: HOST_DENIED_ACTIONS, resources: [bucket.bucketArn, bucket.arnForObjects('*')] }),
  ];
}

/** The confused-deputy guard AWS recommends for task roles: only ECS tasks of this account and region. */
function ecsTaskPrincipal(): IPrincipal {
  return new ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
  });
}

export class HostAccess extends Construct {
  readonly policy: ManagedPolicy;
  readonly role: IRole;
  readonly instanceProfile?: InstanceProfile;

  constructor(scope: Construct, id: string, props: HostAccessProps) {
    super(scope, id);
    if (!props.role && !props.kind) throw new Error(`HostAccess ${id}: give kind 'ec2' or 'ecs', or an existing role`);
    const dbs = paths(props.databases);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: `streambed host ${id}: put its own L0 files, read its own levels, never delete (${dbs.join(', ')})`.slice(0, 1000),
    });
    const why = props.databases === 'any'
      ? 'No database paths were given, so the grant covers level directories under any path; give `databases` to scope it.'
      : 'Object names inside this host\'s own level directories are chosen at run time (TXID ranges).';
    for (const statement of hostStatements(props.bucket, props.databases)) {
      allow(this.policy, statement, statement.effect === Effect.DENY ? 'An explicit deny on every key: wildcards here only take permissions away.' : why);
    }
    if (props.encryptionKey) allow(this.policy, kmsStatement(props.encryptionKey), 'The replica bucket key.');
    if (props.role) {
      this.role = props.role;
    } else if (props.kind === 'ecs') {
      this.role = new Role(this, 'TaskRole', { assumedBy: ecsTaskPrincipal(), description: `streambed ${id}: ECS task role` });
    } else {
      const role = new Role(this, 'InstanceRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com'), description: `streambed ${id}: EC2 instance role` });
      this.instanceProfile = new InstanceProfile(this, 'InstanceProfile', { role });
      this.role = role;
    }
    this.policy.attachToRole(this.role);
  }
}
