/**
 * The ingress panel as the hub serves it: `index.html` plus hashed assets (`panel/main-<hash>.js`,
 * `.css`, source maps), bundled from `src/web/panel/` by esbuild. `npm run build` writes them to
 * `dist/panel/` (scripts/build-panel.ts), which the compiled server reads; the server running from
 * the sources (`npm run dev`, the tests after `npm ci`) bundles them in memory on first use with
 * the same options.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, OutputFile } from 'esbuild';

export interface PanelAsset {
  body: Buffer;
  type: string;
}

export interface PanelFiles {
  /** The page, with the hashed asset names filled in. */
  index: string;
  /** Asset file name (no folder) → content. */
  assets: Map<string, PanelAsset>;
}

const SOURCE_DIR = fileURLToPath(new URL('./panel/', import.meta.url));
/** From `dist/web/`: `dist/panel/` (running from `src/`, the sources are bundled instead: never a stale build). */
const BUILT_DIRS = [fileURLToPath(new URL('../panel/', import.meta.url))];
const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** The folder the page loads its assets from (relative: ingress serves the page under a path prefix). */
export const ASSET_DIR = 'panel';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export function typeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return TYPES[name.slice(dot)] ?? 'application/octet-stream';
}

/** The esbuild options of the panel (scripts/build-panel.ts uses them too). */
export function panelBuildOptions(sourceDir = SOURCE_DIR): BuildOptions {
  return {
    entryPoints: [`${sourceDir}main.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2021', 'chrome100', 'firefox100', 'safari15'],
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'silent',
    tsconfig: `${sourceDir}tsconfig.json`,
  };
}

/** The page around the bundle; every URL relative (`./panel/…`). */
export function panelIndex(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>SSE Hub</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="./${ASSET_DIR}/${style}">
<script type="module" src="./${ASSET_DIR}/${script}"></script>
</head>
<body>
<sse-panel></sse-panel>
<noscript>The SSE Hub panel needs JavaScript.</noscript>
</body>
</html>
`;
}

/** Files of a build → the served form. */
export function panelFiles(files: readonly { name: string; body: Buffer }[]): PanelFiles {
  const assets = new Map<string, PanelAsset>();
  for (const { name, body } of files) assets.set(name, { body, type: typeOf(name) });
  const script = [...assets.keys()].find((n) => /^main-[\w-]+\.js$/.test(n));
  const style = [...assets.keys()].find((n) => /^main-[\w-]+\.css$/.test(n));
  if (!script || !style) throw new Error('the panel build has no main script or stylesheet');
  return { index: panelIndex(script, style), assets };
}

/** Reads the built panel (compiled server); running from the sources, bundles them. */
export async function loadPanel(dirs: readonly string[] = FROM_SOURCE ? [] : BUILT_DIRS): Promise<PanelFiles> {
  for (const dir of dirs) {
    const assetDir = `${dir}${ASSET_DIR}/`;
    if (!existsSync(`${dir}index.html`) || !existsSync(assetDir)) continue;
    const names = await readdir(assetDir);
    const files = await Promise.all(names.map(async (name) => ({ name, body: await readFile(`${assetDir}${name}`) })));
    return { ...panelFiles(files), index: await readFile(`${dir}index.html`, 'utf8') };
  }
  if (!existsSync(`${SOURCE_DIR}main.ts`)) throw new Error(`the panel is missing (looked in ${dirs.join(', ')}); run npm run build`);
  return buildPanel();
}

/** Bundles `src/web/panel/` in memory (esbuild is a development dependency). */
export async function buildPanel(): Promise<PanelFiles> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({ ...panelBuildOptions(), outdir: `${SOURCE_DIR}out`, write: false });
  return panelFiles(result.outputFiles.map((f: OutputFile) => ({ name: f.path.slice(f.path.lastIndexOf('/') + 1), body: Buffer.from(f.contents) })));
}
