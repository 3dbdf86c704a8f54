import { z } from 'zod';

/**
 * What `GET /api/health/ready` found: the database answers `select 1`, Redis (when this deployment has
 * one) answers PING, each within 2 s.
 */
export const HealthChecks = z.object({
  database: z.enum(['ok', 'unreachable']),
  redis: z.enum(['ok', 'unreachable', 'not_configured']),
});
export type HealthChecks = z.infer<typeof HealthChecks>;

/**
 * Body of `GET /api/health/live` and `GET /api/health/ready` when healthy; `ready` adds its checks (also
 * sent as `details.checks` of its 503 `service_unavailable`).
 */
export const HealthStatus = z.object({ status: z.literal('ok'), checks: HealthChecks.optional() });
export type HealthStatus = z.infer<typeof HealthStatus>;
