// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The module folders of src/ (docs/ARCHITECTURE.md §2). */
const FOLDERS = ['transport', 'hub', 'ha', 'simulator', 'metrics', 'alerts', 'stats', 'http', 'cluster', 'client', 'panel'];
/** The files that compose the modules; no module imports them. */
const COMPOSITION = ['server.ts', 'monitoring.ts', 'main.ts'];
/** Only src/http/ knows Koa (docs/ARCHITECTURE.md §5.2). */
const KOA = { group: ['koa', '@koa/*'], message: 'Only src/http/ knows Koa (docs/ARCHITECTURE.md §5.2).' };

/** The folders `folder` may not import, and the composition files, as one pattern group. */
function above(folder, forbidden, why = `Imports run http → stats → alerts → metrics and http → hub → transport (docs/ARCHITECTURE.md §2).`) {
  const composition = COMPOSITION.flatMap((f) => [`../${f}`, `../../${f}`]);
  return { group: [...forbidden.map((f) => `**/${f}/**`), ...composition], message: `${folder}/ may not import this. ${why}` };
}

/** One folder's no-restricted-imports block: Koa (outside http/) plus the given groups. */
function layer(files, ...patterns) {
  const koa = files.some((f) => f.startsWith('src/http/')) ? [] : [KOA];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [...koa, ...patterns] }] } };
}

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
  layer(['src/transport/**'], above('transport', ['hub', 'ha', 'simulator', 'metrics', 'alerts', 'stats', 'http', 'cluster'])),
  layer(
    ['src/hub/**'],
    // The hub knows no HTTP: it writes SSE frames to a sink (src/hub/sink.ts); the HTTP layer
    // adapts a response to it (src/http/sse-stream.ts). Imports go http → hub, never back.
    { group: ['**/http/**', 'node:http', 'http', 'node:net', 'net'], message: 'The hub knows no HTTP: write to a StreamSink (src/hub/sink.ts).' },
    above('hub', ['ha', 'simulator', 'metrics', 'alerts', 'stats', 'cluster']),
  ),
  layer(['src/ha/**'], above('ha', ['simulator', 'hub', 'http', 'transport', 'metrics', 'alerts', 'stats', 'cluster'], 'The composition root chooses the simulator (src/server.ts).')),
  layer(['src/simulator/**'], above('simulator', ['hub', 'http', 'transport', 'metrics', 'alerts', 'stats', 'cluster'])),
  layer(['src/metrics/**'], above('metrics', ['alerts', 'stats', 'http', 'hub', 'ha', 'simulator', 'transport', 'cluster'], 'Nothing in metrics/ knows an alert or a response shape.')),
  layer(['src/alerts/**'], above('alerts', ['stats', 'http', 'hub', 'ha', 'simulator', 'transport', 'cluster'])),
  layer(['src/stats/**'], above('stats', ['http', 'ha', 'simulator', 'transport'])),
  // Multi-instance mode: the Redis transport's companions (leader lock, registry, commands), composed by src/server.ts.
  layer(['src/cluster/**'], above('cluster', ['hub', 'ha', 'simulator', 'metrics', 'alerts', 'stats', 'http'])),
  layer(['src/http/**'], above('http', ['simulator'], 'The composition root chooses the simulator (src/server.ts).')),
  {
    // The client library is bundled for browsers (/client.js): no Node module and nothing of the
    // server; React only in its own entry point (docs/ARCHITECTURE.md §2).
    files: ['src/client/**'],
    ignores: ['src/client/react.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            KOA,
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'events', 'buffer', 'crypto', 'stream', 'react', '../*', '../../*'],
              message: 'src/client/ runs in browsers and imports only its own files (docs/ARCHITECTURE.md §2).',
            },
          ],
        },
      ],
    },
  },
  {
    // The files at the bottom of src/ (types, errors, log, config, time) import no module folder.
    files: ['src/*.ts'],
    ignores: COMPOSITION.map((f) => `src/${f}`),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [KOA, { group: FOLDERS.map((f) => `./${f}/**`), message: 'The bottom of src/ imports no module (docs/ARCHITECTURE.md §2).' }] },
      ],
    },
  },
  {
    files: ['bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
