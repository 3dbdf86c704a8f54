import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export const BACKUP_VAULT_NAME = 'parley';
/** Vault in the copy region (BackupCopyStack); named, so the plan needs no cross-region reference. */
export const COPY_VAULT_NAME = 'parley-copy';
export const BACKUP_RETENTION = Duration.days(35);

/** ARN of the copy vault in `region` of this construct's account. */
export function copyVaultArn(scope: Construct, region: string): string {
  return Stack.of(scope).formatArn({
    service: 'backup',
    region,
    resource: 'backup-vault',
    resourceName: COPY_VAULT_NAME,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** A backup vault that nobody (not even an administrator) can empty early: only expiry removes points. */
export function lockedVault(scope: Construct, id: string, name: string): backup.BackupVault {
  const key = new kms.Key(scope, `${id}Key`, {
    description: `Parley AWS Backup vault ${name}`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return new backup.BackupVault(scope, id, {
    backupVaultName: name,
    encryptionKey: key,
    blockRecoveryPointDeletion: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

export interface BackupPlanProps {
  /**
   * Region every recovery point is copied to (disaster recovery), kept as long as the original.
   * @default - no copy
   */
  readonly copyRegion?: string;
}

/**
 * AWS Backup for the data that matters: a daily backup kept 35 days in an encrypted, deletion-locked
 * vault, optionally copied to a second region. Selections (RDS here, the attachments bucket in the app
 * stack) are added by the stacks that own the resources. RDS keeps its own 14-day point-in-time
 * recovery besides (automated backups); this plan adds longer, independent, copyable recovery points.
 */
export class ParleyBackupPlan extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: BackupPlanProps = {}) {
    super(scope, id);
    this.vault = lockedVault(this, 'Vault', BACKUP_VAULT_NAME);
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: 'parley-daily',
      backupVault: this.vault,
    });
    this.plan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'daily-35-days',
        // 05:00 UTC: after the RDS backup window (02:00-03:00) and its Sunday maintenance (03:30-04:30).
        scheduleExpression: events.Schedule.cron({ minute: '0', hour: '5' }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(6),
        deleteAfter: BACKUP_RETENTION,
        copyActions: props.copyRegion
          ? [
              {
                destinationBackupVault: backup.BackupVault.fromBackupVaultArn(
                  this,
                  'CopyVault',
                  copyVaultArn(this, props.copyRegion),
                ),
                deleteAfter: BACKUP_RETENTION,
              },
            ]
          : [],
      }),
    );
  }
}
