/**
 * Public surface of conformance checking: the project's compiled profiles and a checker that validates outbound
 * resources against them (structure, slice content, codes, reference targets).
 */
export { createConformanceChecker, referenceTargetType } from './checker';
export type { ConformanceChecker } from './checker';
export { PROJECT_CANONICAL, compiledResourcesDir, loadCompiledResources, readCompiledResources } from './resources';
export type { CompiledResources } from './resources';
export { createTerminology } from './terminology';
export type { Membership, Terminology } from './terminology';
