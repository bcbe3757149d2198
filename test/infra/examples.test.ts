// The EC2 and ECS host examples synthesize cdk-nag clean, with IMDSv2, scoped roles, restore-at-start, and no keys.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../../infra/examples/app.ts';
import { newApp, templateOf } from './synth.ts';

let template: Template;
beforeAll(() => {
  const app = newApp(true);
  app.node.setContext('packageUrl', 'https://downloads.example.com/streambed-0.1.0.tgz');
  const stack = buildExamples(app);
  template = templateOf(app, stack);
});

describe('host examples', () => {
  it('create no IAM user or access key anywhere', () => {
    template.resourceCountIs('AWS::IAM::User', 0);
    template.resourceCountIs('AWS::IAM::AccessKey', 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{12}/);
  });

  it('EC2: IMDSv2 required, the scoped instance profile, user data that installs the package and restores first', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } });
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0];
    expect(JSON.stringify(instance.Properties.IamInstanceProfile)).toMatch(/WebAccessInstanceProfile/);
    const userData = JSON.stringify(instance.Properties.UserData);
    expect(userData).toContain('npm install -g /tmp/streambed.tgz');
    expect(userData).toContain('https://downloads.example.com/streambed-0.1.0.tgz');
    expect(userData).toMatch(/restore -config \/etc\/streambed.yml -if-db-not-exists -if-replica-exists/);
    expect(userData.indexOf('restore -config')).toBeLessThan(userData.indexOf('systemctl enable --now streambed'));
    expect(userData).toContain('compaction: remote');
  });

  it('ECS: restore container first (exit 0), then agent and app sharing the volume, on the scoped task role', () => {
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const byName = Object.fromEntries((task.Properties.ContainerDefinitions as Array<Record<string, unknown>>).map((c) => [c.Name, c]));
    expect(Object.keys(byName).sort()).toEqual(['agent', 'app', 'restore']);
    expect(byName.restore.Essential).toBe(false);
    expect(JSON.stringify(byName.restore.Command)).toMatch(/"restore","-if-db-not-exists","-if-replica-exists","-o","\/data\/app.db"/);
    expect(byName.agent.DependsOn).toEqual([{ ContainerName: 'restore', Condition: 'SUCCESS' }]);
    expect(byName.app.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'restore', Condition: 'SUCCESS' }, { ContainerName: 'agent', Condition: 'START' }]));
    for (const c of Object.values(byName) as Array<Record<string, unknown>>) expect(c.MountPoints).toEqual([{ SourceVolume: 'data', ContainerPath: '/data', ReadOnly: false }]);
    expect(JSON.stringify(task.Properties.TaskRoleArn)).toMatch(/TasksAccessTaskRole/);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' }, Condition: Match.objectLike({ StringEquals: Match.anyValue() }) })] },
    });
  });
});
