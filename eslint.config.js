// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The module folders of src/ (docs/ARCHITECTURE.md §2). */
const FOLDERS = ['base', 'config', 'backup', 'transport', 'hub', 'ha', 'simulator', 'metrics', 'alerts', 'stats', 'http', 'cluster', 'web', 'app'];
/** Only src/http/ knows Koa (docs/ARCHITECTURE.md §5.2). */
const KOA = { group: ['koa', '@koa/*'], message: 'Only src/http/ knows Koa (docs/ARCHITECTURE.md §5.2).' };

/** The folders `folder` may not import, plus the composition root (src/app/) and src/main.ts, as one pattern group. */
function above(folder, forbidden, why = `Imports run http → stats → alerts → metrics and http → hub → transport (docs/ARCHITECTURE.md §2).`) {
  const composition = ['**/app/**', '../main.ts', '../../main.ts'];
  return { group: [...forbidden.map((f) => `**/${f}/**`), ...composition], message: `${folder}/ may not import this. ${why}` };
}

/** One folder's no-restricted-imports block: Koa (outside http/) plus the given groups. */
function layer(files, ...patterns) {
  const koa = files.some((f) => f.startsWith('src/http/')) ? [] : [KOA];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [...koa, ...patterns] }] } };
}

/** Every folder but these (and the folder itself), for the blocks that allow only a few. */
const allBut = (...allowed) => FOLDERS.filter((f) => f !== 'app' && !allowed.includes(f));

export default tseslint.config(
  { ignores: ['dist/', '.bench-build/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  // The import graph of docs/ARCHITECTURE.md §2, one block per folder (a later block for the same
  // files would replace the rule, so each folder lists everything it may not import).
  // The ground floor: leaf helpers (types, errors, log, time, timers) that import nothing of the project.
  layer(['src/base/**'], above('base', allBut('base'), 'src/base/ holds leaf helpers and imports only its own files.')),
  // The Supervisor's backup hooks run as their own process (config.yaml); the store reads their pause file.
  layer(['src/backup/**'], above('backup', allBut('backup'), 'src/backup/ runs as its own process and imports only its own files.')),
  // The one options schema (validated once at the edge) stands on the helpers only.
  layer(['src/config/**'], above('config', allBut('base', 'config'))),
  layer(['src/transport/**'], above('transport', allBut('base', 'config', 'transport'))),
  layer(
    ['src/hub/**'],
    // The hub knows no HTTP: it writes SSE frames to a sink (src/hub/sink.ts); the HTTP layer
    // adapts a response to it (src/http/sse-stream.ts). Imports go http → hub, never back.
    { group: ['**/http/**', 'node:http', 'http', 'node:net', 'net'], message: 'The hub knows no HTTP: write to a StreamSink (src/hub/sink.ts).' },
    above('hub', allBut('base', 'config', 'transport', 'hub')),
  ),
  layer(['src/ha/**'], above('ha', allBut('base', 'config', 'ha'), 'The composition root chooses the simulator (src/app/server.ts).')),
  layer(['src/simulator/**'], above('simulator', allBut('base', 'config', 'ha', 'simulator'))),
  layer(['src/metrics/**'], above('metrics', allBut('base', 'config', 'backup', 'metrics'), 'Nothing in metrics/ knows an alert or a response shape.')),
  layer(['src/alerts/**'], above('alerts', allBut('base', 'config', 'metrics', 'alerts'))),
  layer(['src/stats/**'], above('stats', allBut('base', 'config', 'metrics', 'alerts', 'hub', 'stats'))),
  // Multi-instance mode: the Redis transport's companions (leader lock, registry, commands), composed by src/app/server.ts.
  layer(['src/cluster/**'], above('cluster', allBut('base', 'config', 'transport', 'cluster'))),
  layer(['src/http/**'], above('http', ['simulator', 'web/client', 'web/panel'], 'The composition root chooses the simulator (src/app/server.ts); http serves the browser code through src/web/*-bundle.ts.')),
  // The browser wing's Node side: the esbuild settings and the loaders of the built bundles.
  layer(['src/web/*.ts'], above('web', allBut('base', 'web'), 'src/web/*-bundle.ts only bundles and loads the browser code.')),
  {
    // The client library is bundled for browsers (/client.js): no Node module and nothing of the
    // server; React only in its own entry point (docs/ARCHITECTURE.md §2).
    files: ['src/web/client/**'],
    ignores: ['src/web/client/react.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            KOA,
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'events', 'buffer', 'crypto', 'stream', 'react', '../*', '../../*'],
              message: 'src/web/client/ runs in browsers and imports only its own files (docs/ARCHITECTURE.md §2).',
            },
          ],
        },
      ],
    },
  },
  {
    // The panel runs in browsers: the client library at run time, and the response shapes of
    // stats/, alerts/ and ha/ (the registries' picker lists) as types only (`import type`: the
    // bundle gains no server code).
    files: ['src/web/panel/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            KOA,
            { group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'stream'], message: 'src/web/panel/ runs in browsers.' },
            {
              group: [...allBut('stats', 'alerts', 'ha', 'web').map((f) => `**/${f}/**`), '**/app/**', '../../main.ts'],
              message: 'src/web/panel/ imports the client library and its own files (docs/ARCHITECTURE.md §2).',
            },
            { group: ['**/stats/**', '**/alerts/**', '**/ha/**'], allowTypeImports: true, message: 'The panel takes response shapes as types only (import type).' },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Stand-alone scripts for users (DOCS.md, "Shaping"): Node's globals, printing is their job.
    files: ['examples/**'],
    languageOptions: { globals: { URLSearchParams: 'readonly', fetch: 'readonly', TextDecoder: 'readonly', setTimeout: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);
