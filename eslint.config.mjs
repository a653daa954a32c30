// Type-aware lint. Pure folders (machines/, src/time, src/schedules,
// src/templates) may not import I/O modules or read the clock: they take `now`
// as an argument so tests can drive them with a manual clock.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'child_process',
  'better-sqlite3',
  'piscina',
  'fastify',
  'ws',
  'pino',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'scripts/', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // node:test's describe/it return promises the runner awaits itself. Tests
    // read API answers as loose JSON (`any`) to assert on them field by field.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: [
      'machines/**/*.ts',
      'src/time/**/*.ts',
      'src/schedules/**/*.ts',
      'src/templates/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ioModules, message: 'pure module: no I/O imports' }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'pure module: take `now` as an argument',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'pure module: take `now` as an argument',
        },
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'pure module: only the config loader reads the environment',
        },
      ],
    },
  },
);
