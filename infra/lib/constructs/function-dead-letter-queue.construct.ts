import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';

/**
 * One dead-letter queue per stack for its Lambda functions. CloudFormation (custom resources,
 * BucketDeployment) and Secrets Manager (rotation) invoke them asynchronously: when an invocation
 * still fails after Lambda's retries, the event lands here instead of vanishing, and the
 * `parley-*-dlq` alarm (MonitoringStack) pages someone. Messages keep 14 days for inspection.
 */
export class FunctionDeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** A queue for the functions under `root`, or none when there are none; call once they all exist. */
  static forFunctionsIn(root: Construct, id: string): FunctionDeadLetterQueue | undefined {
    if (!root.node.findAll().some((node) => node instanceof lambda.Function)) return undefined;
    const dlq = new FunctionDeadLetterQueue(root, id);
    dlq.attachAll(root);
    return dlq;
  }

  /** Points every Lambda function under `root` at the queue; call once all functions exist. */
  attachAll(root: IConstruct): lambda.Function[] {
    const functions = root.node.findAll().filter((node) => node instanceof lambda.Function);
    for (const fn of functions) {
      (fn.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: this.queue.queueArn };
      // No-op for roles made immutable on purpose; those grant sqs:SendMessage themselves.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
      );
    }
    return functions;
  }
}
