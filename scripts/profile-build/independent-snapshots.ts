// Regenerates each profile's snapshot from its differential alone with fhir-snapshot-generator, a snapshot
// implementation independent of SUSHI, so the two can be compared. Runs offline: the profiles are written as a
// package (differentials only, so a failed generation can never fall back to SUSHI's snapshot) into a scratch
// cache beside links to the assembled core package, UK Core and stubs, and the registry address is a closed loopback
// port, so any attempt to download is refused at once instead of leaving the machine.
import { readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { FhirPackageExplorer } from 'fhir-package-explorer';
import { FhirSnapshotGenerator } from 'fhir-snapshot-generator';
import type { PackageManifest, PackagedResource } from './fhir-package-cache.js';

const UNREACHABLE_REGISTRY = 'https://127.0.0.1:9';

export interface RegenerationOptions {
  /** The compiled profiles and extensions; their snapshots are left out of the package. */
  readonly structureDefinitions: readonly StructureDefinition[];
  /** A cache holding hl7.fhir.r4.core#4.0.1 and the stub packages (see fhir-package-cache.ts). */
  readonly coreCacheDir: string;
  /** An empty folder for the scratch cache. */
  readonly workDir: string;
  readonly packageName: string;
  readonly packageVersion: string;
  /** The packages the profiles derive from, as in the package manifest; they must be in the core cache. */
  readonly dependencies: Readonly<Record<string, string>>;
  readonly writePackage: (cacheDir: string, manifest: PackageManifest, resources: readonly PackagedResource[]) => void;
  /** extension-slicing.ts's withExtensionSlicing, passed in as Node runs these modules unbundled. */
  readonly withExtensionSlicing: (sd: StructureDefinition) => StructureDefinition;
}

export type Regenerated =
  | { readonly url: string; readonly elements: readonly ElementDefinition[] }
  | { readonly url: string; readonly error: string };

function withoutSnapshot(sd: StructureDefinition): PackagedResource {
  const copy: StructureDefinition = { ...sd };
  delete copy.snapshot;
  return copy;
}

/** One result per constraint StructureDefinition, in the order given. */
export async function regenerateSnapshots(options: RegenerationOptions): Promise<Regenerated[]> {
  const { workDir, coreCacheDir } = options;
  for (const entry of readdirSync(coreCacheDir)) {
    if (entry.includes('#')) {
      symlinkSync(path.join(coreCacheDir, entry), path.join(workDir, entry));
    }
  }
  options.writePackage(
    workDir,
    {
      name: options.packageName,
      version: options.packageVersion,
      type: 'fhir.ig',
      description: 'The project profiles without snapshots, for regeneration.',
      dependencies: options.dependencies,
    },
    options.structureDefinitions.map(withoutSnapshot),
  );
  const messages: string[] = [];
  const logger = {
    info: (): void => undefined,
    debug: (): void => undefined,
    // The registry look-ups of implicit packages fail by design; the installed stubs are used instead.
    warn: (message: unknown): void => {
      const text = String(message);
      if (!text.includes('Failed to fetch registry metadata')) {
        messages.push(text);
      }
    },
    error: (message: unknown): void => void messages.push(String(message)),
  };
  const fpe = await FhirPackageExplorer.create({
    context: [`${options.packageName}#${options.packageVersion}`],
    cachePath: workDir,
    fhirVersion: '4.0.1',
    skipExamples: true,
    registryUrl: UNREACHABLE_REGISTRY,
    logger,
  });
  const fsg = await FhirSnapshotGenerator.create({ fpe, fhirVersion: '4.0.1', cacheMode: 'none', logger });
  const results: Regenerated[] = [];
  for (const sd of options.structureDefinitions) {
    if (sd.derivation !== 'constraint') {
      continue;
    }
    messages.length = 0;
    try {
      // The one omission of fhir-snapshot-generator's that is filled in (see extension-slicing.ts); SUSHI's
      // slicing must still be exactly the implied one.
      const generated = options.withExtensionSlicing((await fsg.getSnapshot(sd.url)) as StructureDefinition);
      const elements = generated.snapshot?.element ?? [];
      results.push(messages.length > 0 ? { url: sd.url, error: messages.join('; ') } : { url: sd.url, elements });
    } catch (err) {
      results.push({ url: sd.url, error: [err instanceof Error ? err.message : String(err), ...messages].join('; ') });
    }
  }
  return results;
}
