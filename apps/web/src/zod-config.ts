import { config } from 'zod';

// zod compiles object parsers with `new Function` when it can, and probes for that ability. Under the
// server's CSP (no 'unsafe-eval') the probe is a reported CSP violation even though zod catches the
// throw, so the web app runs zod without JIT. Imported first by main.tsx, before any schema is built.
config({ jitless: true });
