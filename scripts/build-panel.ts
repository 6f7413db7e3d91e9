/**
 * Builds the ingress panel into dist/panel/ (run by `npm run build`): index.html (never cached)
 * and panel/main-<hash>.js / .css with their source maps (cached for a year: the hash changes
 * with the content). Prints the gzip size of what a browser downloads.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ASSET_DIR, buildPanel } from '../src/web/panel-bundle.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildPanelInto(out = `${root}dist/panel/`): Promise<{ gzipBytes: number; files: string[] }> {
  const panel = await buildPanel();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(`${out}${ASSET_DIR}`, { recursive: true });
  writeFileSync(`${out}index.html`, panel.index);
  let gzipBytes = gzipSync(panel.index).length;
  for (const [name, asset] of panel.assets) {
    writeFileSync(`${out}${ASSET_DIR}/${name}`, asset.body);
    if (!name.endsWith('.map')) gzipBytes += gzipSync(asset.body).length;
  }
  return { gzipBytes, files: ['index.html', ...[...panel.assets.keys()].map((n) => `${ASSET_DIR}/${n}`)] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { gzipBytes, files } = await buildPanelInto();
  process.stdout.write(`panel: ${files.join(', ')}; ${(gzipBytes / 1024).toFixed(1)} KiB gzip (page, script, stylesheet)\n`);
}
