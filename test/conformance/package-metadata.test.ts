// The compiled profiles are a versioned FHIR package: every definition carries the version of sushi-config.yaml,
// and the manifest beside them names the package, its version and canonical base.
import { readFileSync } from 'node:fs';
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
      dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
    }),
  );
});
