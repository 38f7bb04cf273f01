/**
 * Loads the project's compiled conformance resources (profiles, extensions, value sets, code systems and
 * examples) from profiles/fsh-generated/resources. The JSON is committed, so run time never needs SUSHI.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { findPackageRoot } from '../lib/package-root';

/** Canonical base of everything the project defines. */
export const PROJECT_CANONICAL = 'https://sp-fhir-adapter.org/fhir';

export interface CompiledResources {
  readonly structureDefinitions: readonly StructureDefinition[];
  readonly valueSets: readonly ValueSet[];
  readonly codeSystems: readonly CodeSystem[];
  /** Example instances (anything that is not a definition). */
  readonly examples: readonly Resource[];
}

/** Where `npm run profiles` writes the compiled JSON. */
export function compiledResourcesDir(root: string = findPackageRoot()): string {
  return path.join(root, 'profiles', 'fsh-generated', 'resources');
}

let cached: CompiledResources | undefined;

/** Reads every compiled resource once per process; later calls return the same objects. */
export function loadCompiledResources(): CompiledResources {
  cached ??= readCompiledResources(compiledResourcesDir());
  return cached;
}

/** Reads the compiled resources from a given folder (no caching; used to compare builds). */
export function readCompiledResources(dir: string): CompiledResources {
  const structureDefinitions: StructureDefinition[] = [];
  const valueSets: ValueSet[] = [];
  const codeSystems: CodeSystem[] = [];
  const examples: Resource[] = [];
  // Sorted so that load order, and therefore any "first wins" choice, never depends on the file system.
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const resource = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Resource;
    // An if-chain rather than a switch: every other resource type is an example instance.
    if (resource.resourceType === 'StructureDefinition') {
      structureDefinitions.push(resource);
    } else if (resource.resourceType === 'ValueSet') {
      valueSets.push(resource);
    } else if (resource.resourceType === 'CodeSystem') {
      codeSystems.push(resource);
    } else {
      examples.push(resource);
    }
  }
  return { structureDefinitions, valueSets, codeSystems, examples };
}
