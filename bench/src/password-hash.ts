import { type Algorithm, hash } from '@node-rs/argon2';
import { PASSWORD } from './settings.js';

/**
 * The argon2id hash of the benchmarks' shared PASSWORD, with the server's parameters (OWASP: 19 MiB, 2
 * passes), for users the benchmarks insert directly; each then signs in through the real login.
 */
export function benchPasswordHash(): Promise<string> {
  return hash(PASSWORD, {
    algorithm: 2 as Algorithm,
    memoryCost: 19_456,
    timeCost: 2,
    parallelism: 1,
    outputLen: 32,
  });
}
