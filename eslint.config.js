// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
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
  {
    // The hub, the Home Assistant side, the transports and the metrics know nothing of Koa (docs/ARCHITECTURE.md §5.2).
    files: ['src/hub/**', 'src/ha/**', 'src/transport/**', 'src/metrics/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['koa', '@koa/*', '../http/*', '../../http/*'] }],
    },
  },
  {
    // The hub knows no HTTP: it writes SSE frames to a sink (src/hub/sink.ts); the HTTP layer
    // adapts a response to it (src/http/sse-stream.ts). Imports go http → hub, never back.
    files: ['src/hub/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['koa', '@koa/*'], message: 'The hub knows nothing of Koa.' },
            { group: ['**/http/**', 'node:http', 'http', 'node:net', 'net'], message: 'The hub knows no HTTP: write to a StreamSink (src/hub/sink.ts).' },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
