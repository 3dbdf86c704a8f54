import { runAdmin } from './admin-commands.js';

/**
 * `npm run sessions:revoke -- <email>`: kept as an alias of `npm run admin -- revoke-sessions <email>`
 * (admin-commands.ts), for the runbooks and scripts that name it.
 */
try {
  process.exitCode = await runAdmin(['revoke-sessions', ...process.argv.slice(2)]);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
