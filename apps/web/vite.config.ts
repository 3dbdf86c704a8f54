import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { serviceWorker } from './vite.sw-plugin.js';

export default defineConfig({
  plugins: [react(), serviceWorker()],
  resolve: {
    // Import @parley/contract from its TypeScript source: no separate build step for the SPA.
    conditions: ['parley-source', 'module', 'browser', 'default'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The server's CSP forbids inline scripts and styles: keep every asset a file.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
});
