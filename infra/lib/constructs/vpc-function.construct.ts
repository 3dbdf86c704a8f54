import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Repository root: esbuild resolves workspace imports (apps/api) and the root lockfile from here. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

export interface VpcFunctionProps {
  /** Entry file relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly vpc: ec2.IVpc;
  /** Group from SecurityGroups: no ingress, egress only to the peers this function needs. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Key for the function's log group. */
  readonly logsKey: kms.IKey;
  readonly environment?: Record<string, string>;
  /**
   * Invocation time limit.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Extra esbuild options (e.g. aliases).
   * @default {}
   */
  readonly esbuildArgs?: Record<string, string | boolean>;
}

/**
 * A TypeScript Lambda in the isolated subnets (no route out; Secrets Manager via the interface endpoint).
 * Bundled by the local esbuild; Docker is never used.
 */
export class VpcFunction extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: VpcFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.entry),
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(30),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      logGroup,
      tracing: lambda.Tracing.DISABLED,
      environment: props.environment ?? {},
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // ESM bundles need `require` for the CommonJS dependencies they inline (mysql2, AWS SDK).
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        externalModules: [],
        esbuildArgs: props.esbuildArgs ?? {},
      },
    });
  }
}
