/**
 * Renders the app icons (PNG, for the manifest and iOS) from `web/public/icons/*.svg` with
 * Debian's Chromium. Run after changing an SVG: `npx tsx web/scripts/icons.ts`; commit the PNGs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { chromium } from '@playwright/test';

const DIR = new URL('../public/icons/', import.meta.url);
const OUTPUTS: Array<{ svg: string; png: string; size: number }> = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192 },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512 },
  { svg: 'icon.svg', png: 'icon-180.png', size: 180 },
  { svg: 'icon-maskable.svg', png: 'icon-maskable-512.png', size: 512 },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  for (const { svg, png, size } of OUTPUTS) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const source = await readFile(new URL(svg, DIR), 'utf8');
    await page.setContent(
      `<body style="margin:0;background:transparent">${source.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body>`,
    );
    await writeFile(new URL(png, DIR), await page.screenshot({ omitBackground: true }));
    await page.close();
  }
} finally {
  await browser.close();
}
