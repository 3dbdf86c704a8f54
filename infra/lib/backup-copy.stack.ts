import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as backup from 'aws-cdk-lib/aws-backup';
import type { Construct } from 'constructs';
import { COPY_VAULT_NAME, lockedVault } from './constructs/backup-plan.construct.js';

/**
 * The disaster-recovery vault in `parley:backupCopyRegion`: the daily plan copies every recovery point
 * (database and attachments) here, encrypted with this region's own key. Only deployed when set.
 */
export class BackupCopyStack extends Stack {
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.vault = lockedVault(this, 'Vault', COPY_VAULT_NAME);
  }
}
