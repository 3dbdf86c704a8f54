import { runAdmin } from './admin-commands.js';

/** `npm run admin -- <command>`: see admin-commands.ts for the commands, docs/operations.md for the runbooks. */
try {
  process.exitCode = await runAdmin(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
