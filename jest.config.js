// Jest runs the TypeScript sources through SWC (type checking is `npm run typecheck`'s job).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' } }],
    // jose 6 ships only ES modules; Node 24 loads them from CommonJS natively, Jest's module system does not.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2023' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 30000,
  maxWorkers: 2,
};
