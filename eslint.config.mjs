// Lint rules: typescript-eslint strict + type-checked, formatting left to Prettier, and the layer rule that keeps
// every import in src/ pointing down the architecture (ARCHITECTURE.md).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Each folder of src/ and its layer. A file may import its own folder and folders of lower layers only; folders of
// the same layer stay independent of each other. Exported, with the rules made from it, for test/unit/architecture/.
export const LAYERS = {
  // The shared leaf helpers (OperationOutcome builders, the zod translator, the error catalogue) sit below every
  // other folder, so messages/ and observability/ may use them too.
  lib: 0,
  messages: 1,
  observability: 1,
  config: 2,
  mapping: 2,
  conformance: 2,
  store: 2,
  sandbox: 2,
  delivery: 3,
  audit: 4,
  queue: 5,
  app: 6,
  http: 7,
  cli: 7,
  runtime: 8,
};

// Packages that belong to one layer: Redis data is the store's (BullMQ's own keys the queue's), BullMQ the queue's.
export const OWNED_PACKAGES = {
  ioredis: ['store', 'queue'],
  bullmq: ['queue'],
};

function layerRule(folder) {
  const forbidden = Object.entries(LAYERS)
    .filter(([other, layer]) => other !== folder && layer >= LAYERS[folder])
    .map(([other]) => other);
  const packages = Object.entries(OWNED_PACKAGES)
    .filter(([, owners]) => !owners.includes(folder))
    .map(([name]) => ({ name, message: `only ${OWNED_PACKAGES[name].join('/ and ')}/ may use ${name}` }));
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: packages,
          patterns: forbidden.map((other) => ({
            group: [`**/${other}`, `**/${other}/**`],
            message: `${folder}/ (layer ${LAYERS[folder]}) may not import ${other}/ (layer ${LAYERS[other]}): imports point down only, see ARCHITECTURE.md`,
          })),
        },
      ],
    },
  };
}

export const layerConfigs = Object.keys(LAYERS).map(layerRule);

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      'profiles/',
      'test-output/',
      'bench/results/',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  ...layerConfigs,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/explicit-function-return-type': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  prettier,
);
