import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Plugin, transformWithOxc } from 'vite';

const SOURCE = fileURLToPath(new URL('./src/sw/service-worker.ts', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * Emits `sw.js` (production builds only): `src/sw/service-worker.ts` compiled, preceded by the list of
 * files to precache (every emitted JS/CSS/asset file and the public icons and manifest; no source maps)
 * and a version hashed from that list, so each build that changes a file gets a fresh cache.
 */
export function serviceWorker(): Plugin {
  return {
    name: 'parley-service-worker',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const built = Object.keys(bundle).filter((file) => !file.endsWith('.map') && file !== 'index.html');
      const publicFiles = readdirSync(PUBLIC_DIR);
      const precache = [...built, ...publicFiles].map((file) => `/${file}`).sort();
      const version = createHash('sha256')
        .update(JSON.stringify(precache))
        .update(
          Object.values(bundle)
            .map((output) => (output.type === 'chunk' ? output.code : String(output.source.length)))
            .join('\n'),
        )
        .digest('hex')
        .slice(0, 16);
      // Types stripped only: the worker is small, and readable in the browser's devtools as shipped.
      const { code } = await transformWithOxc(readFileSync(SOURCE, 'utf8'), SOURCE, { lang: 'ts' });
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const PRECACHE = ${JSON.stringify(precache)};\nconst VERSION = ${JSON.stringify(version)};\n${code}`,
      });
    },
  };
}
