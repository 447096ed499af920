// Lint: the recommended JS and typescript-eslint rules, type-aware, on every TypeScript file; and
// the direction of imports between layers (core ← probes ← scenarios ← config ← engine ←
// telemetry, ui ← cli), which test/architecture/ also measures.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Forbids imports whose specifier matches `regex` in `files`, saying which way imports go. */
const layer = (files, regex, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message: `${message} (see docs/architecture.md)` }] }] },
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
);
