// Lint: the recommended JS and typescript-eslint rules, type-aware, on every TypeScript file; and
// the direction of imports between layers (core ← probes ← scenarios ← config ← engine ←
// telemetry, ui ← cli), which test/architecture/ also measures.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** node:http as an ES module loads Node's bundled undici and http2 (+14 MiB): runtime code takes it from runner/core/node-http.ts. */
const nodeHttp = { name: 'node:http', allowTypeImports: true, message: 'take http from runner/core/node-http.ts: importing node:http as an ES module loads undici and http2 (+14 MiB RSS)' };

/** Forbids imports whose specifier matches `regex` in `files`, saying which way imports go; and node:http's ES import. */
const layer = (files, regex, message) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [nodeHttp], patterns: [{ regex, message: `${message} (see docs/architecture.md)` }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'dashboards/generated/**', '.lab/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  layer(['runner/core/**/*.ts'], '^\\.\\./(config|engine|telemetry|ui|cli)/|(^|/)(probes|scenarios)/', 'runner/core imports nothing of the project but itself'),
  layer(['probes/**/*.ts'], '(^|/)runner/(config|engine|telemetry|ui|cli)/|(^|/)scenarios/', 'probes import only runner/core and probes'),
  layer(['scenarios/**/*.ts'], '(^|/)runner/(config|engine|telemetry|ui|cli)/', 'scenarios import only runner/core, probes and scenarios'),
  layer(['runner/config/**/*.ts'], '^\\.\\./(engine|telemetry|ui|cli)/', 'runner/config imports only the layers below it'),
  layer(['runner/engine/**/*.ts'], '^\\.\\./(telemetry|ui|cli)/', 'runner/engine imports only the layers below it'),
  layer(['runner/telemetry/**/*.ts'], '^\\.\\./(ui|cli)/', 'runner/telemetry imports only the layers below it'),
  layer(['runner/ui/**/*.ts'], '^\\.\\./(telemetry|cli)/', 'runner/ui imports only the layers below it'),
  { files: ['runner/cli/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [nodeHttp] }] } },
);
