import type {
  AllocateCidrRequest,
  IIpAddresses,
  SubnetIpamOptions,
  VpcIpamOptions,
} from 'aws-cdk-lib/aws-ec2';

/** The VPC range from the design notes: private (RFC 1918), and not the 172.31/16 of default VPCs. */
export const VPC_CIDR = '10.0.0.0/16';

/**
 * Explicit, non-overlapping subnet ranges per tier and AZ index (docs/adr/0004-cidr-plan.md).
 * Each tier owns a /18 so three more AZs fit later without renumbering:
 *   public   10.0.0.0/18   → /24 per AZ (only the ALB and NAT gateways live here)
 *   private  10.0.64.0/18  → /20 per AZ (app instances; room to scale out)
 *   isolated 10.0.128.0/18 → /24 per AZ (RDS, ElastiCache, VPC-bound Lambdas)
 *   10.0.192.0/18 is unallocated (reserve).
 */
export const CIDR_PLAN = {
  public: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24'],
  private: ['10.0.64.0/20', '10.0.80.0/20', '10.0.96.0/20', '10.0.112.0/20'],
  isolated: ['10.0.128.0/24', '10.0.129.0/24', '10.0.130.0/24', '10.0.131.0/24'],
} as const;

export type SubnetTier = keyof typeof CIDR_PLAN;

/**
 * Hands the VPC the fixed ranges of CIDR_PLAN instead of CDK's sequential carving, so a change in
 * subnet order or AZ count can never silently renumber (and replace) existing subnets.
 */
export class PlannedIpAddresses implements IIpAddresses {
  allocateVpcCidr(): VpcIpamOptions {
    return { cidrBlock: VPC_CIDR };
  }

  allocateSubnetsCidr(input: AllocateCidrRequest): SubnetIpamOptions {
    const seen: Record<string, number> = {};
    const allocatedSubnets = input.requestedSubnets.map((subnet) => {
      const tier = subnet.configuration.name as SubnetTier;
      const ranges: readonly string[] | undefined = CIDR_PLAN[tier];
      if (!ranges) throw new Error(`subnet group ${tier} is not in the CIDR plan`);
      const index = seen[tier] ?? 0;
      seen[tier] = index + 1;
      const cidr = ranges[index];
      if (!cidr) throw new Error(`CIDR plan has no ${tier} range for AZ #${index + 1}`);
      return { cidr };
    });
    return { allocatedSubnets };
  }
}
