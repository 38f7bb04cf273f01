// Jest runs the TypeScript sources through SWC (type checking is `npm run typecheck`'s job), as three projects:
// `unit` (no Redis, no servers), `integration` (real Redis, real HTTP servers, headless Chromium) and `faults`
// (private redis-servers and adapter processes killed on purpose). CONTRIBUTING.md says where a new test goes.

const swc = ['@swc/jest', { jsc: { target: 'es2023' } }];

// Pure tests outside test/unit/, named one by one so that a new file in those folders defaults to `integration`,
// where it runs whatever it needs.
const PURE_TESTS_ELSEWHERE = [
  'test/audit/audit-forwarding-config.test.ts',
  'test/audit/purge-failed-env.test.ts',
  'test/conformance/binding-merge.test.ts',
  'test/conformance/cached-profile.test.ts',
  'test/conformance/checker.test.ts',
  'test/conformance/content-references.test.ts',
  'test/conformance/definition-validation.test.ts',
  'test/conformance/medplum-view.test.ts',
  'test/conformance/profiles-build.test.ts',
  'test/sandbox/fhir-definitions.test.ts',
  'test/sandbox/validating-repository.test.ts',
];

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  // src/ is a root so that coverage also reports the files no test loads (at 0 %); tests are found in test/ only.
  roots: ['<rootDir>/test', '<rootDir>/src'],
  transform: {
    '^.+\\.ts$': swc,
    // jose 6 ships only ES modules; Node 24 loads them from CommonJS natively, Jest's module system does not.
    '/node_modules/jose/.+\\.js$': swc,
    // The architecture tests read the layer table from the lint config, an ES module.
    '/eslint\\.config\\.mjs$': swc,
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  // A global option: jest-circus ignores a project's own testTimeout.
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['test/unit/**/*.test.ts', ...PURE_TESTS_ELSEWHERE].map((glob) => `<rootDir>/${glob}`),
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/unit/',
        '<rootDir>/test/faults/',
        ...PURE_TESTS_ELSEWHERE.map((file) => `<rootDir>/${escapeRegExp(file)}$`),
      ],
    },
    { ...shared, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
  ],
  // Only `npm run coverage` collects coverage (and so enforces the thresholds); `npm test` runs without it.
  collectCoverageFrom: ['<rootDir>/src/**/*.ts'],
  coverageDirectory: '<rootDir>/coverage',
  coverageReporters: ['text-summary', 'lcov', 'json-summary'],
  coverageThreshold: {
    './src/mapping/': { lines: 90 },
    './src/delivery/': { lines: 90 },
    './src/messages/': { lines: 90 },
  },
};
