import { z } from 'zod';

/** Body of `GET /api/health/live` and `GET /api/health/ready` when healthy. */
export const HealthStatus = z.object({ status: z.literal('ok') });
export type HealthStatus = z.infer<typeof HealthStatus>;
