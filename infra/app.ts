// CDK entry point (`npx cdk synth` / `deploy`): the streambed stack with the AwsSolutions cdk-nag checks.
import { App } from 'aws-cdk-lib';
import { addNagChecks } from './nag.ts';
import { StreambedStack } from './stack.ts';

const app = new App();
new StreambedStack(app, app.node.tryGetContext('stackName') ?? 'Streambed', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'streambed: SQLite point-in-time backup to S3 (compaction, retention, verification, restore)',
});
addNagChecks(app);
app.synth();
