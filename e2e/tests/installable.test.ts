import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { createVerifiedUser, signIn } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

interface Manifest {
  name: string;
  short_name: string;
  start_url: string;
  display: string;
  icons: { src: string; sizes: string; type: string; purpose: string }[];
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('Parley as an installable app', () => {
  const suite = browserSuite();

  it('links a web app manifest whose icons exist at the sizes it declares', async () => {
    const { page } = await suite.open();
    await page.goto('/sign-in');
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBe('/manifest.webmanifest');
    const response = await fetch(`${suite.stack.baseUrl}${href}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    const manifest = (await response.json()) as Manifest;
    expect(manifest).toMatchObject({
      name: 'Parley',
      short_name: 'Parley',
      start_url: '/',
      display: 'standalone',
    });
    const pngs = manifest.icons.filter((icon) => icon.type === 'image/png');
    expect(pngs.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.icons.some((icon) => icon.purpose === 'maskable')).toBe(true);
    for (const icon of pngs) {
      const image = await fetch(`${suite.stack.baseUrl}${icon.src}`);
      expect(image.status, icon.src).toBe(200);
      const { width, height } = pngSize(Buffer.from(await image.arrayBuffer()));
      expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
    }
  });

  it('caches the app shell only, never an API answer, and starts offline to "reconnecting", then recovers', async () => {
    const user = await createVerifiedUser(suite.stack, 'Grace');
    const { page } = await suite.open({
      serviceWorkers: 'allow',
      // While the server is stopped, the page's requests are refused: that is the point of the test.
      expectedConsole: /^Failed to load resource: net::ERR_CONNECTION_REFUSED$/,
    });
    await signIn(page, user);
    // The worker installs in the background; the page is controlled once it has claimed it.
    await page.waitForFunction(
      async () => (await navigator.serviceWorker.ready).active?.state === 'activated',
    );
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    // Some API traffic through the controlled page, which the worker must leave alone.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();

    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys())
          urls.push(new URL(request.url).pathname);
      }
      return urls;
    });
    expect(cached).toContain('/');
    expect(cached.some((url) => /^\/assets\/index-.*\.js$/.test(url))).toBe(true);
    expect(cached.filter((url) => url.startsWith('/api'))).toEqual([]);

    // The server goes away: the installed app still starts, says it is reconnecting, and keeps trying.
    await suite.stack.stopServer();
    try {
      await page.reload();
      await page.getByRole('status').filter({ hasText: 'Can’t reach Parley. Reconnecting…' }).waitFor();
      expect(await page.getByRole('heading', { level: 1, name: 'Parley' }).isVisible()).toBe(true);
      await auditScreen(page, 'offline-start');
    } finally {
      await suite.stack.startServer();
    }
    // Back online: the retry finds the session again without a reload.
    await page.getByRole('button', { name: 'Try now' }).click();
    await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
  });
});
