// Example: an EC2 instance whose user data installs the agent, with an instance profile scoped to its databases.
import {
  AmazonLinuxCpuType, BlockDeviceVolume, Instance, InstanceClass, InstanceSize, InstanceType, MachineImage, SecurityGroup, UserData, type IVpc, SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { posix } from 'node:path';
import type { HostAccess } from '../host-access.ts';
import { acknowledge } from '../nag.ts';
import type { StreambedBackup } from '../streambed-backup.ts';
import { agentConfigYaml, type ExampleDatabase } from './agent-config.ts';

export interface Ec2HostExampleProps {
  backup: StreambedBackup;
  vpc: IVpc;
  databases: readonly ExampleDatabase[];
  /** Where the instance downloads `streambed-<version>.tgz` (the `npm pack` of the bundled build): an https:// URL. */
  packageUrl: string;
  instanceType?: InstanceType;
}

/**
 * Credentials come from the instance profile through IMDSv2 (required: hop limit 1, tokens only); no key is written
 * anywhere. At boot the user data installs Node and the package, writes /etc/streambed.yml, restores each
 * database that is missing and has a replica, then starts the agent as a systemd service.
 */
export class Ec2HostExample extends Construct {
  readonly instance: Instance;
  readonly access: HostAccess;

  constructor(scope: Construct, id: string, props: Ec2HostExampleProps) {
    super(scope, id);
    this.access = props.backup.addHost(`${id}Access`, { kind: 'ec2', databases: props.databases.map((d) => d.path) });
    const bucket = props.backup.bucket.bucketName;
    const config = agentConfigYaml(bucket, props.databases);
    const userData = UserData.forLinux();
    userData.addCommands(
      'set -euo pipefail',
      'dnf install -y nodejs22 nodejs22-npm',
      'alternatives --set node /usr/bin/node-22 || true',
      `curl -fsSL -o /tmp/streambed.tgz ${JSON.stringify(props.packageUrl)}`,
      'npm install -g /tmp/streambed.tgz',
      'id streambed >/dev/null 2>&1 || useradd --system --home-dir /var/lib/streambed --create-home streambed',
      `cat > /etc/streambed.yml <<'STREAMBED_YML'\n${config}STREAMBED_YML`,
      ...props.databases.map((d) => `install -d -o streambed -g streambed ${JSON.stringify(posix.dirname(d.file))}`),
      ...props.databases.map((d) => `sudo -u streambed streambed restore -config /etc/streambed.yml -if-db-not-exists -if-replica-exists ${JSON.stringify(d.file)}`),
      `cat > /etc/systemd/system/streambed.service <<'UNIT'\n[Unit]\nDescription=streambed SQLite replication\nAfter=network-online.target\nWants=network-online.target\n\n[Service]\nUser=streambed\nExecStart=/usr/bin/env streambed replicate -config /etc/streambed.yml\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\nUNIT`,
      'systemctl daemon-reload',
      'systemctl enable --now streambed',
    );
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'streambed host: outbound only', allowAllOutbound: true });
    this.instance = new Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      instanceType: props.instanceType ?? InstanceType.of(InstanceClass.T4G, InstanceSize.SMALL),
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
      ...(this.access.instanceProfile ? { instanceProfile: this.access.instanceProfile } : {}),
      requireImdsv2: true,
      detailedMonitoring: true,
      securityGroup,
      userData,
      blockDevices: [{ deviceName: '/dev/xvda', volume: BlockDeviceVolume.ebs(16, { encrypted: true }) }],
    });
    acknowledge(this.instance, 'AwsSolutions-EC29', 'An example instance: its data lives in S3 and is restored at boot, so termination protection is left to the user.');
  }
}
