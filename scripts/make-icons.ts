/**
 * Renders the app icon (apps/web/public/favicon.svg) to the PNG sizes the web app manifest lists, with
 * Debian's Chromium: `npx tsx scripts/make-icons.ts`. Run it after changing the icon and commit the PNGs;
 * nothing runs it at build or test time (the test checks the PNGs' sizes against the manifest).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const publicDir = fileURLToPath(new URL('../apps/web/public/', import.meta.url));
const svg = readFileSync(`${publicDir}favicon.svg`, 'utf8');

/** `maskable`: the icon drawn inside the 80 % safe zone on a full-bleed background, as launchers crop it. */
const icons = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
] as const;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
try {
  for (const { file, size, maskable } of icons) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const inner = maskable ? Math.round(size * 0.8) : size;
    const background = maskable ? '#1f4fd1' : 'transparent';
    await page.setContent(
      `<html><body style="margin:0;background:${background};display:grid;place-items:center;height:${size}px">` +
        `<div style="width:${inner}px;height:${inner}px">${svg.replace('<svg ', `<svg width="${inner}" height="${inner}" `)}</div></body></html>`,
    );
    writeFileSync(`${publicDir}${file}`, await page.screenshot({ omitBackground: !maskable, type: 'png' }));
    await page.close();
  }
} finally {
  await browser.close();
}
