import { ErrorBody, HealthStatus } from '@parley/contract';

export type Readiness =
  | { state: 'checking' }
  | { state: 'ready' }
  | { state: 'unavailable'; message: string };

/** Asks the API whether it and its database are ready; never throws. */
export async function fetchReadiness(signal?: AbortSignal): Promise<Readiness> {
  try {
    const response = await fetch('/api/health/ready', { signal, headers: { Accept: 'application/json' } });
    const body: unknown = await response.json();
    if (response.ok && HealthStatus.safeParse(body).success) return { state: 'ready' };
    const error = ErrorBody.safeParse(body);
    return {
      state: 'unavailable',
      message: error.success ? error.data.error.message : `HTTP ${response.status}`,
    };
  } catch (error) {
    if (signal?.aborted) return { state: 'checking' };
    return { state: 'unavailable', message: error instanceof Error ? error.message : 'Network error' };
  }
}
