// One streambed Lambda: Node 24 on arm64, bundled locally by esbuild as ESM, its own role and log group.
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, RuntimeFamily, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allow } from './nag.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Older aws-cdk-lib releases lack the constant; the runtime name is what CloudFormation needs. */
export const NODE_24: Runtime = (Runtime as unknown as { NODEJS_24_X?: Runtime }).NODEJS_24_X ?? new Runtime('nodejs24.x', RuntimeFamily.NODEJS, { supportsInlineCode: true });

export interface StreambedFunctionProps {
  /** Handler file under functions/, e.g. 'compact/handler.ts'. */
  entry: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  ephemeralStorage?: Size;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** Asynchronous invocations (schedules): where a failed event goes after the retries. */
  onFailure?: IDestination;
  /** Retries of a failed asynchronous invocation (Lambda's default is 2). */
  retryAttempts?: number;
  reservedConcurrency?: number;
}

/**
 * The AWS SDK is bundled (bundleAwsSDK) so the code runs against the SDK versions it was tested with, not the
 * runtime's. better-sqlite3 is replaced by functions/shared/sqlite-adapter.ts (node:sqlite), so no native module
 * and no `npm ci` is needed for the asset.
 */
export class StreambedFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: StreambedFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `${id}: ${props.description}` });
    // Written out instead of AWSLambdaBasicExecutionRole: only this function's own log group.
    allow(
      this.role,
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}:*`],
      }),
      'Log streams are created by the Lambda service with generated names inside this function\'s own log group.',
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, 'functions', props.entry),
      handler: 'handler',
      runtime: NODE_24,
      architecture: Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout,
      memorySize: props.memorySize,
      ...(props.ephemeralStorage ? { ephemeralStorageSize: props.ephemeralStorage } : {}),
      ...(props.onFailure ? { onFailure: props.onFailure } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      // A small young generation keeps compaction of a 1 GiB database under 256 MB (bench/compact.ts).
      environment: { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=4', POWERTOOLS_LOG_LEVEL: 'INFO', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        bundleAwsSDK: true,
        mainFields: ['module', 'main'],
        banner: "import { createRequire as __streambedCreateRequire } from 'node:module'; const require = __streambedCreateRequire(import.meta.url);",
        esbuildArgs: { '--alias:better-sqlite3': join(REPO_ROOT, 'functions', 'shared', 'sqlite-adapter.ts') },
      },
    });
  }
}
