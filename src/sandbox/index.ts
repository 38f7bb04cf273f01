/**
 * The embedded sandbox EHR: a FHIR R4 server over HTTP, seeded with synthetic patients, that stands in for a GP
 * practice's EHR in `npm start`, the integration tests and the benchmark.
 */
export { ensureFhirDefinitionsLoaded, narrowIdentifierSearchTypes } from '../lib/fhir-definitions';
export { ValidatingMemoryRepository } from './validating-repository';
export {
  NHS_NUMBER_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  SANDBOX_PATIENTS,
  seedSandbox,
  toFhirPatient,
} from './seed-patients';
export type { SandboxPatient } from './seed-patients';
export { FHIR_BASE_PATH, createSandboxApp, startSandbox } from './server';
export type { RunningSandbox, SandboxAppOptions, SandboxOptions } from './server';
export { TOKEN_PATH, createSandboxOAuth } from './oauth';
export type { SandboxOAuth, SandboxOAuthOptions } from './oauth';
export type { Arrival, ScriptedAnswer, ScriptedAnswers } from './scripted-answers';
export type { EntryFailure, EntryFailures, TransactionMode } from './entry-by-entry';
export { REALISTIC_DEFAULTS, SERIALIZATION_FAILURE, STATS_PATH } from './realistic';
export type { RealisticBehaviour, RealisticOptions, SandboxStats } from './realistic';
