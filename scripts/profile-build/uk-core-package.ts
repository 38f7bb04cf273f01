// Brings UK Core into the offline FHIR package cache so SUSHI can derive the project's profiles from it. UK Core's
// definitions are read as data from a folder of FHIR XML (differentials only); each resource is converted to JSON,
// checked against the R4 definitions, given a snapshot by fhir-snapshot-generator (driven so that differential
// bindings merge onto inherited ones as FHIR's reference generator merges them, binding-merge.ts), and the lot is
// written as the package ukcore.r4.stu.02.00.00#2.0.0. The cache entry is rebuilt only when the source folder's content changes.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OperationOutcomeError, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { FhirPackageExplorer } from 'fhir-package-explorer';
import { FhirSnapshotGenerator } from 'fhir-snapshot-generator';
import type * as BindingMerge from './binding-merge.js';
import type { PackageManifest, PackagedResource } from './fhir-package-cache.js';

// The source's package.json spells the name UKCore.R4.STU.02.00.00; FHIR package names are lower case (SUSHI
// lower-cases a dependency's name before looking for it in the cache), so the cache and manifests use this spelling.
export const UK_CORE_PACKAGE = { name: 'ukcore.r4.stu.02.00.00', version: '2.0.0' } as const;
export const UK_CORE_CANONICAL = 'https://fhir.hl7.org.uk';
/** Where the definitions are expected, relative to a folder beside the repository or one of its parents. */
export const UK_CORE_SOURCE = path.join('shared', 'reference', 'uk-core-2.0.0');

const SOURCE_FOLDERS = ['structuredefinitions', 'valuesets', 'codesystems'];
const UNREACHABLE_REGISTRY = 'https://127.0.0.1:9';
// Bump when the conversion or the layout of the package changes, so stale cache entries are rebuilt.
const CONVERSION_VERSION = 3;

/** The object fhir-tool's converter exposes; typed here because the library's own types use `any`. */
interface FhirConverter {
  xmlToObj(xml: string): unknown;
}
interface ConformanceParser {
  parseBundle(bundle: unknown): void;
}
interface FhirToolModule {
  Fhir: new (parser: ConformanceParser) => FhirConverter;
  ParseConformance: new (loadCached: boolean, version: string) => ConformanceParser;
}

/**
 * The nearest `shared/reference/uk-core-2.0.0` beside the repository root or one of its parent folders (a fresh
 * clone has /work/shared beside it; a git worktree one level further down still finds it), or undefined.
 */
export function findUkCoreSource(projectRoot: string): string | undefined {
  let dir = path.dirname(projectRoot);
  for (;;) {
    const candidate = path.join(dir, UK_CORE_SOURCE);
    if (existsSync(path.join(candidate, 'package.json'))) {
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return undefined;
    }
    dir = parent;
  }
}

function sourceFiles(sourceDir: string): string[] {
  return SOURCE_FOLDERS.flatMap((folder) => {
    const dir = path.join(sourceDir, folder);
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((file) => file.endsWith('.xml'))
          .sort()
          .map((file) => path.join(dir, file))
      : [];
  });
}

function fingerprint(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.basename(file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return `${CONVERSION_VERSION} ${hash.digest('hex')}`;
}

/**
 * Converts FHIR XML to FHIR JSON with fhir-tool, the converter SUSHI's own package loader uses for XML resources,
 * driven here by the official R4 definitions (which elements repeat, which primitives are numbers or booleans)
 * rather than the ones the library ships.
 */
function xmlConverter(definitionsRoot: string): (xml: string) => Resource {
  // fhir-tool is SUSHI's dependency, not the project's: it is loaded from where fsh-sushi finds it.
  const requireFromSushi = createRequire(createRequire(import.meta.url).resolve('fsh-sushi'));
  const fhirTool = requireFromSushi('fhir-tool') as FhirToolModule;
  const parser = new fhirTool.ParseConformance(false, 'R4');
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    parser.parseBundle(JSON.parse(readFileSync(path.join(definitionsRoot, 'dist', 'fhir', 'r4', file), 'utf8')));
  }
  const converter = new fhirTool.Fhir(parser);
  return (xml) => converter.xmlToObj(xml) as Resource;
}

/** Medplum's validator, loaded with the R4 definitions, finds any element the conversion got wrong. */
function conversionProblems(definitionsRoot: string, resources: readonly Resource[]): string[] {
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    indexStructureDefinitionBundle(
      JSON.parse(readFileSync(path.join(definitionsRoot, 'dist', 'fhir', 'r4', file), 'utf8')) as Bundle,
    );
  }
  return resources.flatMap((resource) => {
    let issues: OperationOutcomeIssue[];
    try {
      issues = validateResource(resource);
    } catch (err) {
      // The validator throws its errors as an OperationOutcome and returns only the warnings.
      if (!(err instanceof OperationOutcomeError)) {
        throw err;
      }
      issues = err.outcome.issue;
    }
    return issues
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map(
        (issue) =>
          `${resource.resourceType}/${resource.id ?? ''}: ${(issue.expression ?? []).join(',')} ${issue.details?.text ?? ''}`,
      );
  });
}

/** fhir-snapshot-generator marks where it found a definition with properties that are not FHIR. */
function withoutLoaderProperties(sd: StructureDefinition): StructureDefinition {
  return Object.fromEntries(Object.entries(sd).filter(([key]) => !key.startsWith('__'))) as StructureDefinition;
}

/** The manifest of the UK Core package as this project's cache holds it. */
export function ukCoreManifest(description: string): PackageManifest {
  return {
    name: UK_CORE_PACKAGE.name,
    version: UK_CORE_PACKAGE.version,
    type: 'fhir.ig',
    canonical: UK_CORE_CANONICAL,
    description,
    // The published manifest also names hl7.fhir.r5.core, for cross-version extensions of profiles this project
    // does not derive from; the R4 core is all the converted definitions need here.
    dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
  };
}

interface GeneratedSnapshots {
  readonly snapshots: ReadonlyMap<string, StructureDefinition>;
  readonly problems: string[];
}

/**
 * fhir-snapshot-generator's snapshots of the definitions whose URLs are given, with `structureDefinitions` and
 * `others` written as the UK Core package into a scratch cache beside links to the core packages.
 */
async function generateSnapshots(
  structureDefinitions: readonly StructureDefinition[],
  others: readonly Resource[],
  urls: readonly string[],
  options: UkCoreOptions,
): Promise<GeneratedSnapshots> {
  const { cacheDir: coreCacheDir, writePackage } = options;
  const workDir = mkdtempSync(path.join(tmpdir(), 'sp-ukcore-'));
  try {
    for (const entry of readdirSync(coreCacheDir)) {
      if (entry.includes('#') && !entry.startsWith(`${UK_CORE_PACKAGE.name}#`)) {
        symlinkSync(path.join(coreCacheDir, entry), path.join(workDir, entry));
      }
    }
    writePackage(workDir, ukCoreManifest('UK Core differentials, for snapshot generation.'), [
      ...structureDefinitions,
      ...others,
    ] as PackagedResource[]);
    const problems: string[] = [];
    const logger = {
      info: (): void => undefined,
      debug: (): void => undefined,
      warn: (message: unknown): void => {
        const text = String(message);
        if (!text.includes('Failed to fetch registry metadata')) {
          problems.push(text);
        }
      },
      error: (message: unknown): void => void problems.push(String(message)),
    };
    const fpe = await FhirPackageExplorer.create({
      context: [`${UK_CORE_PACKAGE.name}#${UK_CORE_PACKAGE.version}`],
      cachePath: workDir,
      fhirVersion: '4.0.1',
      skipExamples: true,
      registryUrl: UNREACHABLE_REGISTRY,
      logger,
    });
    const fsg = await FhirSnapshotGenerator.create({ fpe, fhirVersion: '4.0.1', cacheMode: 'none', logger });
    const snapshots = new Map<string, StructureDefinition>();
    for (const url of urls) {
      try {
        snapshots.set(url, withoutLoaderProperties((await fsg.getSnapshot(url)) as StructureDefinition));
      } catch (err) {
        // A UK Core profile this project cannot snapshot is left out; deriving from it then fails in SUSHI.
        problems.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { snapshots, problems };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * The differentials as fhir-snapshot-generator must be given them for its snapshots to carry the bindings FHIR's
 * reference generator derives (binding-merge.ts): each differential binding that names no value set is merged onto
 * the binding the element inherits, read from a first run of the generator without those bindings. That run leaves
 * them out of every definition, so a profile derived from another UK Core profile inherits what that profile's
 * differential names; only bindings without a value set are left out, so any value set it inherits is the same.
 */
async function withCompletedBindings(
  structureDefinitions: readonly StructureDefinition[],
  others: readonly Resource[],
  options: UkCoreOptions,
): Promise<{ structureDefinitions: StructureDefinition[]; problems: string[] }> {
  const { completedBindings, partialBindingElements, withoutPartialBindings } = options.bindingMerge;
  const partial = structureDefinitions.filter((sd) => partialBindingElements(sd).length > 0);
  if (partial.length === 0) {
    return { structureDefinitions: [...structureDefinitions], problems: [] };
  }
  const inherited = await generateSnapshots(
    structureDefinitions.map(withoutPartialBindings),
    others,
    partial.map((sd) => sd.url),
    options,
  );
  const problems = [...inherited.problems];
  const completed = structureDefinitions.map((sd) => {
    const snapshot = inherited.snapshots.get(sd.url)?.snapshot?.element;
    if (snapshot === undefined) {
      return sd;
    }
    const result = completedBindings(sd, snapshot);
    for (const id of result.unmatched) {
      problems.push(`${sd.url}: ${id}: the element its differential binds is not in the generated snapshot`);
    }
    return result.structureDefinition;
  });
  return { structureDefinitions: completed, problems };
}

async function withSnapshots(
  structureDefinitions: readonly StructureDefinition[],
  others: readonly Resource[],
  options: UkCoreOptions,
): Promise<{ resources: Resource[]; problems: string[] }> {
  const completed = await withCompletedBindings(structureDefinitions, others, options);
  const generated = await generateSnapshots(
    completed.structureDefinitions,
    others,
    structureDefinitions.map((sd) => sd.url),
    options,
  );
  // Each definition keeps UK Core's own differential; only its snapshot shows the merged bindings.
  const resources = structureDefinitions.flatMap((sd) => {
    const snapshot = generated.snapshots.get(sd.url);
    return snapshot === undefined ? [] : [options.withExtensionSlicing({ ...snapshot, differential: sd.differential })];
  });
  return { resources: [...resources, ...others], problems: [...completed.problems, ...generated.problems] };
}

export interface UkCoreOptions {
  readonly sourceDir: string | undefined;
  /**
   * The UK Core definitions an earlier build committed (fsh-generated/dependencies/<package>/package): parents and
   * the extensions they name, with snapshots. Without the source they are enough to rebuild the same profiles, so
   * a clone without ../shared still builds (and its profiles-build test still compares) what is committed.
   */
  readonly committedDir?: string;
  readonly cacheDir: string;
  readonly definitionsRoot: string;
  readonly writePackage: (cacheDir: string, manifest: PackageManifest, resources: readonly PackagedResource[]) => void;
  /** extension-slicing.ts's withExtensionSlicing, passed in as Node runs these modules unbundled. */
  readonly withExtensionSlicing: (sd: StructureDefinition) => StructureDefinition;
  /** binding-merge.ts, passed in for the same reason. */
  readonly bindingMerge: Pick<
    typeof BindingMerge,
    'completedBindings' | 'partialBindingElements' | 'withoutPartialBindings'
  >;
}

/**
 * Writes UK Core (with snapshots) into the cache unless an entry built from the same source is there. Returns the
 * problems met: definitions that did not convert cleanly or could not be given a snapshot.
 */
export async function ensureUkCorePackage(options: UkCoreOptions): Promise<string[]> {
  const packageDir = path.join(options.cacheDir, `${UK_CORE_PACKAGE.name}#${UK_CORE_PACKAGE.version}`);
  const stampFile = path.join(packageDir, '.source-stamp');
  if (options.sourceDir === undefined) {
    // Without the source a cache entry built earlier still serves, else the committed copy; without any of them,
    // nothing can derive from UK Core.
    if (existsSync(stampFile)) {
      return [];
    }
    const committed = options.committedDir;
    const files =
      committed !== undefined && existsSync(committed)
        ? readdirSync(committed).filter((file) => file.endsWith('.json'))
        : [];
    if (committed === undefined || files.length === 0) {
      return [`UK Core definitions not found: expected ${UK_CORE_SOURCE} beside the repository or a parent folder`];
    }
    options.writePackage(
      options.cacheDir,
      ukCoreManifest('The UK Core definitions the sp-fhir-adapter profiles derive from or use, with snapshots.'),
      files.map((file) => JSON.parse(readFileSync(path.join(committed, file), 'utf8')) as PackagedResource),
    );
    writeFileSync(stampFile, 'committed copy');
    return [];
  }
  const source = JSON.parse(readFileSync(path.join(options.sourceDir, 'package.json'), 'utf8')) as {
    name?: string;
    version?: string;
  };
  if (source.name?.toLowerCase() !== UK_CORE_PACKAGE.name || source.version !== UK_CORE_PACKAGE.version) {
    return [
      `${options.sourceDir} holds ${source.name ?? '?'}#${source.version ?? '?'}, not ${UK_CORE_PACKAGE.name}#${UK_CORE_PACKAGE.version}`,
    ];
  }
  const files = sourceFiles(options.sourceDir);
  const stamp = fingerprint(files);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    return [];
  }
  const convert = xmlConverter(options.definitionsRoot);
  const problems: string[] = [];
  const converted = files.flatMap((file) => {
    try {
      return [convert(readFileSync(file, 'utf8'))];
    } catch (err) {
      // The converter refuses a primitive its R4 type cannot hold (a boolean that is not true or false, ...).
      problems.push(`${path.basename(file)}: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  });
  problems.push(...conversionProblems(options.definitionsRoot, converted));
  const structureDefinitions = converted.filter(
    (r): r is StructureDefinition => r.resourceType === 'StructureDefinition',
  );
  const others = converted.filter((r) => r.resourceType !== 'StructureDefinition');
  const snapshots = await withSnapshots(structureDefinitions, others, options);
  problems.push(...snapshots.problems);
  options.writePackage(
    options.cacheDir,
    ukCoreManifest(
      'UK Core R4 2.0.0, converted from FHIR XML with snapshots generated offline; not an official distribution.',
    ),
    snapshots.resources as PackagedResource[],
  );
  if (problems.length === 0) {
    writeFileSync(stampFile, stamp);
  }
  return problems;
}

function readPackageResource(packageDir: string, file: string): StructureDefinition {
  return JSON.parse(readFileSync(path.join(packageDir, file), 'utf8')) as StructureDefinition;
}

/**
 * The UK Core StructureDefinitions the given profiles need: the UK Core profiles they derive from (and those
 * profiles' own UK Core parents) and the UK Core extensions named in any of their snapshots, read from the cache.
 */
export function usedUkCoreDefinitions(
  profiles: readonly StructureDefinition[],
  cacheDir: string,
): StructureDefinition[] {
  const packageDir = path.join(cacheDir, `${UK_CORE_PACKAGE.name}#${UK_CORE_PACKAGE.version}`, 'package');
  const byUrl = new Map<string, StructureDefinition>();
  for (const file of readdirSync(packageDir)) {
    if (file.startsWith('StructureDefinition-')) {
      const sd = readPackageResource(packageDir, file);
      byUrl.set(sd.url, sd);
    }
  }
  const used = new Map<string, StructureDefinition>();
  const pending = profiles.flatMap((sd) => referencedUrls(sd));
  for (let url = pending.pop(); url !== undefined; url = pending.pop()) {
    const sd = byUrl.get(url);
    if (sd && !used.has(url)) {
      used.set(url, sd);
      pending.push(...referencedUrls(sd));
    }
  }
  return [...used.values()].sort((a, b) => a.url.localeCompare(b.url));
}

// Every URL counts, not only UK Core's canonical: UK Core defines its R5 backport extensions (such as
// UKCore-Observation's triggeredByR5) under http://hl7.org/fhir/5.0/. Only URLs the package defines are taken.
function referencedUrls(sd: StructureDefinition): string[] {
  const urls = (sd.snapshot?.element ?? []).flatMap((e) => (e.type ?? []).flatMap((t) => t.profile ?? []));
  return [sd.baseDefinition ?? '', ...urls].filter((url) => url !== '');
}
