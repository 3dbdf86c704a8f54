import { Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { FunctionDeadLetterQueue } from './constructs/function-dead-letter-queue.construct.js';
import { KeyringRotationFunction } from './constructs/keyring-rotation-function.construct.js';
import {
  KEYRING_PURPOSES,
  type KeyringPurpose,
  KeyringSecret,
} from './constructs/keyring-secret.construct.js';

/**
 * The origin header value as a dynamic reference. CloudFormation re-resolves a dynamic reference only
 * when the template changes, so pinning a version id is how a new value reaches CloudFront and the ALB.
 */
export function originVerifyValue(secret: secretsmanager.ISecret, versionId: string): string {
  return SecretValue.secretsManager(secret.secretArn, versionId ? { versionId } : {}).unsafeUnwrap();
}

export interface SecretsStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly logsKey: kms.IKey;
  /** SecurityGroups.keyringRotation from the network stack. */
  readonly rotationSecurityGroup: ec2.ISecurityGroup;
}

/**
 * Application secrets that are not database credentials: SMTP, the three signing keyrings and the MFA
 * key material.
 */
export class SecretsStack extends Stack {
  readonly encryptionKey: kms.Key;
  readonly smtpSecret: secretsmanager.Secret;
  /** Shared by CloudFront (sends it as a header) and the ALB listener rule (requires it). */
  readonly originVerifySecret: secretsmanager.Secret;
  /**
   * Key material the API derives its TOTP sealing key (AES-256-GCM) and recovery-code hashing key
   * (HMAC-SHA-256) from (`SECRET_ID_MFA_ENCRYPTION`): generated here, never in the database.
   */
  readonly mfaEncryptionSecret: secretsmanager.Secret;
  readonly keyrings: Record<KeyringPurpose, secretsmanager.Secret>;
  readonly rotationFunction: KeyringRotationFunction;
  readonly deadLetterQueue: FunctionDeadLetterQueue;

  constructor(scope: Construct, id: string, props: SecretsStackProps) {
    super(scope, id, props);
    this.encryptionKey = new kms.Key(this, 'SecretsKey', {
      description: 'Parley application secrets (SMTP, signing keyrings)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Placeholder values: the operator puts the provider's real credentials (docs/deploy-to-aws.md).
    // Only `password` is generated so the placeholder is never a guessable value.
    this.smtpSecret = new secretsmanager.Secret(this, 'SmtpSecret', {
      secretName: 'parley/smtp',
      description: 'Parley SMTP credentials: set username and password after the first deploy',
      encryptionKey: this.encryptionKey,
      generateSecretString: {
        // The API reads { username, password }; the server is SMTP_URL (context parley:smtpUrl).
        secretStringTemplate: JSON.stringify({ username: 'SET-ME' }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.originVerifySecret = new secretsmanager.Secret(this, 'OriginVerify', {
      secretName: 'parley/edge/origin-verify',
      description: 'Header value proving a request came through CloudFront (and so through WAF)',
      encryptionKey: this.encryptionKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // 64 alphanumerics (≈ 380 bits). Not rotated on a schedule: values sealed under it must stay
    // readable; a manual new version keeps the old one as AWSPREVIOUS, which still opens them
    // (docs/operations.md, "Rotate the MFA key").
    this.mfaEncryptionSecret = new secretsmanager.Secret(this, 'MfaEncryption', {
      secretName: 'parley/mfa/encryption',
      description: 'Parley MFA key material: seals TOTP secrets and keys recovery-code hashes',
      encryptionKey: this.encryptionKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.rotationFunction = new KeyringRotationFunction(this, 'KeyringRotation', {
      vpc: props.vpc,
      logsKey: props.logsKey,
      securityGroup: props.rotationSecurityGroup,
    });
    const rotationLambda = this.rotationFunction.vpcFunction.function;
    const customResourceLogs = new logs.LogGroup(this, 'CustomResourceLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new FunctionDeadLetterQueue(this, 'FunctionDlq');
    const keyrings = {} as Record<KeyringPurpose, secretsmanager.Secret>;
    for (const purpose of KEYRING_PURPOSES) {
      keyrings[purpose] = new KeyringSecret(this, `Keyring-${purpose}`, {
        purpose,
        encryptionKey: this.encryptionKey,
        rotationFunction: rotationLambda,
      }).secret;
    }
    this.keyrings = keyrings;

    // rotateImmediatelyOnUpdate is false, so nothing would mint the first key for 30 days: rotate each
    // keyring once when it is created (never on update, which would be an unscheduled rotation).
    // The three custom resources share one function and one role whose rights are written out in a
    // customer managed policy: its logs, RotateSecret on the three keyrings, and its dead-letter queue.
    const initialRotationPolicy = new iam.ManagedPolicy(this, 'InitialRotationPolicy', {
      description: 'Parley: rotate each new signing keyring once at creation',
      statements: [
        new iam.PolicyStatement({
          sid: 'Logs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [customResourceLogs.logGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'RotateKeyrings',
          actions: ['secretsmanager:RotateSecret'],
          resources: Object.values(keyrings).map((secret) => secret.secretArn),
        }),
        // RotateSecret invokes the rotation function with the caller's rights.
        new iam.PolicyStatement({
          sid: 'InvokeRotation',
          actions: ['lambda:InvokeFunction'],
          resources: [rotationLambda.functionArn],
        }),
        new iam.PolicyStatement({
          sid: 'DeadLetters',
          actions: ['sqs:SendMessage'],
          resources: [this.deadLetterQueue.queue.queueArn],
        }),
      ],
    });
    const initialRotationRole = new iam.Role(this, 'InitialRotationRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Parley initial keyring rotation (CloudFormation custom resource)',
      managedPolicies: [initialRotationPolicy],
    });
    for (const purpose of KEYRING_PURPOSES) {
      const secret = keyrings[purpose];
      const initialRotation = new cr.AwsCustomResource(this, `InitialRotation-${purpose}`, {
        installLatestAwsSdk: false,
        logGroup: customResourceLogs,
        timeout: Duration.minutes(2),
        // Immutable: every right is in the managed policy above, nothing lands in an inline policy.
        role: initialRotationRole.withoutPolicyUpdates(),
        onCreate: {
          service: 'SecretsManager',
          action: 'rotateSecret',
          parameters: { SecretId: secret.secretArn },
          physicalResourceId: cr.PhysicalResourceId.of(`parley-initial-rotation-${purpose}`),
        },
      });
      initialRotation.node.addDependency(secret);
    }
    this.deadLetterQueue.attachAll(this);
  }
}
