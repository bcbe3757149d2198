// Example: a Fargate task with the application and the agent as a sidecar sharing a volume, on a scoped task role.
import { Duration } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  Cluster, ContainerDependencyCondition, ContainerInsights, ContainerImage, FargateTaskDefinition, LogDrivers, type ContainerDefinition,
} from 'aws-cdk-lib/aws-ecs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { HostAccess } from '../host-access.ts';
import { acknowledge } from '../nag.ts';
import type { StreambedBackup } from '../streambed-backup.ts';
import { agentConfigYaml } from './agent-config.ts';

export interface EcsSidecarExampleProps {
  backup: StreambedBackup;
  vpc: IVpc;
  /** The application's image; it finds its database at `/data/<file>`. */
  appImage: ContainerImage;
  /** The agent's image, built from install/Dockerfile (entrypoint `streambed`). */
  agentImage: ContainerImage;
  /** The database file name in the shared volume, and its replica path in the bucket. */
  database: { file: string; path: string };
}

const DATA = '/data';

/**
 * Start order: `restore` (the agent image, `restore -if-db-not-exists -if-replica-exists`) must exit 0; then the
 * agent (`replicate`) and the application start, both mounting the same task volume. The task role is a host role
 * scoped to this one database: it can read its levels (the restore) and write its L0 files, nothing else.
 */
export class EcsSidecarExample extends Construct {
  readonly taskDefinition: FargateTaskDefinition;
  readonly cluster: Cluster;
  readonly access: HostAccess;
  readonly containers: { restore: ContainerDefinition; agent: ContainerDefinition; app: ContainerDefinition };

  constructor(scope: Construct, id: string, props: EcsSidecarExampleProps) {
    super(scope, id);
    this.access = props.backup.addHost(`${id}Access`, { kind: 'ecs', databases: [props.database.path] });
    this.cluster = new Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', { cpu: 512, memoryLimitMiB: 1024, taskRole: this.access.role });
    this.taskDefinition.addVolume({ name: 'data' });
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const logging = (prefix: string) => LogDrivers.awsLogs({ streamPrefix: prefix, logGroup });
    const file = `${DATA}/${props.database.file}`;
    const replicaUrl = `s3://${props.backup.bucket.bucketName}/${props.database.path}`;
    const mount = { sourceVolume: 'data', containerPath: DATA, readOnly: false };

    const restore = this.taskDefinition.addContainer('restore', {
      image: props.agentImage,
      essential: false,
      command: ['restore', '-if-db-not-exists', '-if-replica-exists', '-o', file, replicaUrl],
      logging: logging('restore'),
    });
    restore.addMountPoints(mount);
    const config = agentConfigYaml(props.backup.bucket.bucketName, [{ file, path: props.database.path }]);
    const agent = this.taskDefinition.addContainer('agent', {
      image: props.agentImage,
      essential: true,
      // The config travels in the environment and is written where the agent reads it: no file in the image.
      entryPoint: ['sh', '-c'],
      command: ['printf "%s" "$STREAMBED_CONFIG_YAML" > /tmp/streambed.yml && exec streambed replicate -config /tmp/streambed.yml'],
      environment: { STREAMBED_CONFIG_YAML: config },
      logging: logging('agent'),
      healthCheck: { command: ['CMD-SHELL', 'node -e "fetch(\'http://127.0.0.1:9090/readyz\').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"'], interval: Duration.seconds(30), startPeriod: Duration.seconds(30) },
    });
    agent.addMountPoints(mount);
    agent.addContainerDependencies({ container: restore, condition: ContainerDependencyCondition.SUCCESS });
    const app = this.taskDefinition.addContainer('app', { image: props.appImage, essential: true, logging: logging('app') });
    app.addMountPoints(mount);
    app.addContainerDependencies({ container: restore, condition: ContainerDependencyCondition.SUCCESS }, { container: agent, condition: ContainerDependencyCondition.START });
    this.containers = { restore, agent, app };
    acknowledge(this.taskDefinition, 'AwsSolutions-ECS2', 'The only variable is the agent configuration (bucket name and database path, no secret); credentials come from the task role.');
  }
}
