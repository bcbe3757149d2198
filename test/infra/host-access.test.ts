// Host roles: each host's policy, evaluated statement by statement, reaches only its own databases' prefixes.
import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Role } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { StreambedBackup } from '../../infra/index.ts';
import { evaluate, type IamRequest } from './iam-eval.ts';
import { TEST_ENV, managedStatementsOf, newApp, templateOf, type Statement } from './synth.ts';

const BUCKET = 'arn:aws:s3:::replicas';
const refs = (t: Template): Record<string, string> => {
  const id = Object.keys(t.findResources('AWS::S3::Bucket'))[0];
  return id ? { [`${id}.Arn`]: BUCKET, [id]: 'replicas' } : {};
};

let template: Template;
let web: Statement[];
let worker: Statement[];
let mine: Statement[];

beforeAll(() => {
  const app = newApp(true);
  const stack = new Stack(app, 'Hosts', { env: TEST_ENV });
  const backup = new StreambedBackup(stack, 'Backup', { databases: ['app.db', 'tenant/b.db', 'app.db/nested.db'] });
  backup.addHost('Web', { kind: 'ec2', databases: ['app.db'] });
  backup.addHost('Worker', { kind: 'ecs', databases: ['tenant/b.db'] });
  backup.addHost('Mine', { role: Role.fromRoleArn(stack, 'Existing', 'arn:aws:iam::123456789012:role/my-app', { mutable: true }), databases: ['app.db/nested.db'] });
  template = templateOf(app, stack);
  web = managedStatementsOf(template, 'BackupWebInstanceRole');
  worker = managedStatementsOf(template, 'BackupWorkerTaskRole');
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  mine = policies.find((p) => JSON.stringify(p.Properties.Roles).includes('my-app'))?.Properties.PolicyDocument.Statement as Statement[];
});

const put = (key: string): IamRequest => ({ action: 's3:PutObject', resource: `${BUCKET}/${key}` });
const get = (key: string): IamRequest => ({ action: 's3:GetObject', resource: `${BUCKET}/${key}` });
const del = (key: string): IamRequest => ({ action: 's3:DeleteObject', resource: `${BUCKET}/${key}` });
const listing = (prefix?: string): IamRequest => ({ action: 's3:ListBucket', resource: BUCKET, ...(prefix !== undefined ? { context: { 's3:prefix': prefix } } : {}) });
const L0 = '0000/0000000000000007-0000000000000007.ltx';

describe('host roles are scoped to their databases', () => {
  it('a host writes and lists its own L0, and reads every level of its own database (restore at start)', () => {
    const r = refs(template);
    expect(evaluate(web, put(`app.db/${L0}`), r)).toBe('allow');
    expect(evaluate(web, get(`app.db/${L0}`), r)).toBe('allow');
    expect(evaluate(web, get('app.db/0009/0000000000000001-0000000000000007.ltx'), r)).toBe('allow');
    expect(evaluate(web, listing('app.db/0000/'), r)).toBe('allow');
    expect(evaluate(web, listing('app.db/0009/'), r)).toBe('allow');
    expect(evaluate(worker, put(`tenant/b.db/${L0}`), r)).toBe('allow');
  });

  it("one host's role cannot touch another database's prefix", () => {
    const r = refs(template);
    for (const [statements, other] of [[web, 'tenant/b.db'], [worker, 'app.db'], [web, 'app.db/nested.db'], [mine, 'app.db']] as const) {
      expect(evaluate(statements, put(`${other}/${L0}`), r)).not.toBe('allow');
      expect(evaluate(statements, get(`${other}/${L0}`), r)).not.toBe('allow');
      expect(evaluate(statements, get(`${other}/0009/0000000000000001-0000000000000007.ltx`), r)).not.toBe('allow');
      expect(evaluate(statements, listing(`${other}/0000/`), r)).not.toBe('allow');
    }
    // Nor list the whole bucket, nor write a compacted level of its own database.
    expect(evaluate(web, listing(), r)).toBe('implicit-deny');
    expect(evaluate(web, listing(''), r)).toBe('implicit-deny');
    expect(evaluate(web, listing('app.db/'), r)).toBe('implicit-deny');
    expect(evaluate(web, put('app.db/0001/0000000000000001-0000000000000007.ltx'), r)).toBe('implicit-deny');
    expect(evaluate(web, put('restores/app.db/x.db'), r)).toBe('implicit-deny');
  });

  it('every delete and lock change is explicitly denied, on its own database too', () => {
    const r = refs(template);
    for (const statements of [web, worker, mine]) {
      expect(evaluate(statements, del(`app.db/${L0}`), r)).toBe('deny');
      expect(evaluate(statements, del(`tenant/b.db/${L0}`), r)).toBe('deny');
      expect(evaluate(statements, { action: 's3:DeleteObjectVersion', resource: `${BUCKET}/app.db/${L0}` }, r)).toBe('deny');
      expect(evaluate(statements, { action: 's3:BypassGovernanceRetention', resource: `${BUCKET}/app.db/${L0}` }, r)).toBe('deny');
    }
  });

  it('EC2 gets an instance profile; the ECS task role trusts only ECS tasks of this account (confused deputy)', () => {
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
    const roles = template.findResources('AWS::IAM::Role');
    const task = Object.entries(roles).find(([id]) => id.startsWith('BackupWorkerTaskRole'))?.[1];
    expect(task?.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Principal: { Service: 'ecs-tasks.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': expect.anything() } },
    });
    const ec2 = Object.entries(roles).find(([id]) => id.startsWith('BackupWebInstanceRole'))?.[1];
    expect(ec2?.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
  });

  it('the evaluator itself can say allow (the checks above are live)', () => {
    expect(evaluate(mine, put(`app.db/nested.db/${L0}`), refs(template))).toBe('allow');
    // An imported bucket's ARN is built from the partition: the same statements, the same answers.
    const app = newApp();
    const stack = new Stack(app, 'Imported', { env: TEST_ENV });
    new StreambedBackup(stack, 'Backup', { bucket: Bucket.fromBucketName(stack, 'B', 'replicas') }).addHost('Web', { kind: 'ec2', databases: ['app.db'] });
    const statements = managedStatementsOf(templateOf(app, stack), 'BackupWebInstanceRole');
    expect(evaluate(statements, put(`app.db/${L0}`), {})).toBe('allow');
    expect(evaluate(statements, put(`other.db/${L0}`), {})).toBe('implicit-deny');
  });
});
