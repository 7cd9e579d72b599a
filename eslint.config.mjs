// ESLint: the recommended JavaScript and TypeScript rules over the code we write. Corpora kept as text (calibration
// and benchmark texts are real code from elsewhere, read as data), fixtures, bundles and the default model are not ours
// to lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'out/',
      'media/dist/',
      '.cache/',
      '.vscode-test/',
      'node_modules/',
      'bench-results/',
      'bench/results/',
      'bench/routing-texts/',
      'engine/models/',
      'engine/routing/calibration-texts/',
      'engine/routing/data/',
      'engine/train/',
      'test/fixtures/',
      'test/e2e/workspace/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      // an underscore says "unused on purpose" (a required parameter, a destructured field left out)
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // esbuild.js is a plain CommonJS script run by node
    files: ['esbuild.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the suite's files must load after mocha's pre-require event has defined describe/it; imports would be hoisted
    files: ['test/suite/index.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // TypeScript checks names itself (typescript-eslint's advice: no-undef only misfires on types and globals)
    files: ['**/*.ts'],
    rules: { 'no-undef': 'off' },
  },
);
