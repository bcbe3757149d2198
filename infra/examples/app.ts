// CDK app of the host examples (`npx cdk synth -a "node infra/examples/app.ts"`): a backup plus an EC2 host and an
// ECS task using it. Context: packageUrl, agentImage, appImage.
import { App, Stack } from 'aws-cdk-lib';
import { FlowLogDestination, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { addNagChecks } from '../nag.ts';
import { StreambedBackup } from '../streambed-backup.ts';
import { Ec2HostExample } from './ec2-host.ts';
import { EcsSidecarExample } from './ecs-sidecar.ts';

export function buildExamples(app: App): Stack {
  const stack = new Stack(app, app.node.tryGetContext('stackName') ?? 'StreambedHostExamples', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: 'streambed host examples: EC2 instance and ECS Fargate sidecar replicating to a StreambedBackup',
  });
  const vpc = new Vpc(stack, 'Vpc', {
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC }],
    flowLogs: { all: { destination: FlowLogDestination.toCloudWatchLogs() } },
  });
  const backup = new StreambedBackup(stack, 'Backup', { databases: ['web/app.db', 'tasks/app.db'] });
  new Ec2HostExample(stack, 'Web', {
    backup, vpc,
    databases: [{ file: '/var/lib/app/app.db', path: 'web/app.db' }],
    packageUrl: app.node.tryGetContext('packageUrl') ?? 'https://example.com/streambed-0.1.0.tgz',
  });
  new EcsSidecarExample(stack, 'Tasks', {
    backup, vpc,
    appImage: ContainerImage.fromRegistry(app.node.tryGetContext('appImage') ?? 'public.ecr.aws/docker/library/busybox:stable'),
    agentImage: ContainerImage.fromRegistry(app.node.tryGetContext('agentImage') ?? 'streambed:0.1.0'),
    database: { file: 'app.db', path: 'tasks/app.db' },
  });
  return stack;
}

const isEntry = process.argv[1] !== undefined && /examples[/\\]app\.ts$/.test(process.argv[1]);
if (isEntry) {
  const app = new App();
  buildExamples(app);
  addNagChecks(app);
  app.synth();
}
