// The compiled profiles are a versioned FHIR package: every definition carries the version of sushi-config.yaml,
// and the manifest beside them names the package, its version and canonical base.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_CANONICAL, loadCompiledResources } from '../../src/conformance';
import { findPackageRoot } from '../../src/lib/package-root';

const root = findPackageRoot();
const compiled = loadCompiledResources();
const configVersion = /^version:\s*(\S+)\s*$/m.exec(
  readFileSync(path.join(root, 'profiles', 'sushi-config.yaml'), 'utf8'),
)?.[1];

test('sushi-config.yaml names a version', () => {
  expect(configVersion).toMatch(/^\d+\.\d+\.\d+/);
});

test.each(
  [...compiled.structureDefinitions, ...compiled.valueSets, ...compiled.codeSystems].map(
    (r) => [`${r.resourceType}/${r.id ?? ''}`, r.version] as const,
  ),
)('%s carries the package version', (_name, version) => {
  expect(version).toBe(configVersion);
});

test('the package manifest names the package, its version and canonical base', () => {
  const manifest = JSON.parse(
    readFileSync(path.join(root, 'profiles', 'fsh-generated', 'package.json'), 'utf8'),
  ) as Record<string, unknown>;
  expect(manifest).toEqual(
    expect.objectContaining({
      name: 'sp-fhir-adapter',
      version: configVersion,
      canonical: PROJECT_CANONICAL,
      fhirVersions: ['4.0.1'],
      dependencies: { 'hl7.fhir.r4.core': '4.0.1', 'ukcore.r4.stu.02.00.00': '2.0.0' },
    }),
  );
});

test('every UK Core parent of a profile is in the committed UK Core subset the manifest depends on', () => {
  const dir = path.join(root, 'profiles', 'fsh-generated', 'dependencies', 'ukcore.r4.stu.02.00.00#2.0.0', 'package');
  const committed = new Set(
    readdirSync(dir)
      .filter((file) => file.startsWith('StructureDefinition-'))
      .map((file) => (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { url: string }).url),
  );
  const ukCoreParents = compiled.structureDefinitions
    .map((sd) => sd.baseDefinition ?? '')
    .filter((url) => url.startsWith('https://fhir.hl7.org.uk/'));
  expect(ukCoreParents).toContain('https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest');
  expect(ukCoreParents.filter((url) => !committed.has(url))).toEqual([]);
});
