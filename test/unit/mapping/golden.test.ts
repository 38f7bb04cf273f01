// Golden files: every journey document under test/fixtures/journeys maps to exactly the FHIR JSON committed
// beside it (*.fhir.json), and every mapped resource conforms to its published profile.
// Regenerate after an intended mapping change with: UPDATE_GOLDEN=1 npx jest test/unit/mapping/golden.test.ts
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createConformanceChecker } from '../../../src/conformance';
import type { ConformanceChecker } from '../../../src/conformance';
import type { MapContext } from '../../../src/mapping';
import { mapMessage, transactionBundle } from '../../../src/mapping';
import { validateInbound } from '../../../src/messages/validate';
import type { MessageKind } from '../../../src/messages/schemas';

const JOURNEYS = path.join(__dirname, '..', '..', 'fixtures', 'journeys');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NOW = new Date('2026-11-20T12:00:00Z');

const CTX: MapContext = {
  patient: { reference: 'Patient/example-patient' },
  referral: { reference: 'ServiceRequest/example-referral' },
  recordedAt: '2026-11-20T12:00:00.000Z',
};

const cases = readdirSync(JOURNEYS)
  .sort()
  .flatMap((journey) =>
    readdirSync(path.join(JOURNEYS, journey))
      .filter((f) => f.endsWith('.json') && !f.endsWith('.fhir.json'))
      .sort()
      .map((file) => [journey, file] as const),
  );

let checker: ConformanceChecker;

beforeAll(() => {
  checker = createConformanceChecker();
});

test('there are three journeys with documents', () => {
  expect(new Set(cases.map(([journey]) => journey)).size).toBe(3);
});

describe.each(cases)('%s/%s', (journey, file) => {
  const input = JSON.parse(readFileSync(path.join(JOURNEYS, journey, file), 'utf8')) as {
    kind: MessageKind;
    body: unknown;
  };
  const validated = validateInbound(input.kind, input.body, NOW);
  if (!validated.ok) {
    throw new Error(`${journey}/${file} is not valid input: ${JSON.stringify(validated.issues)}`);
  }
  const ctx = validated.message.kind === 'referral' ? { patient: CTX.patient, recordedAt: CTX.recordedAt } : CTX;
  const bundle = transactionBundle(mapMessage(validated.message, ctx));
  const goldenFile = path.join(JOURNEYS, journey, file.replace(/\.json$/, '.fhir.json'));

  it('maps to the golden FHIR transaction', () => {
    const actual = `${JSON.stringify(bundle, null, 2)}\n`;
    if (UPDATE || !existsSync(goldenFile)) {
      if (!UPDATE) {
        throw new Error(`${goldenFile} is missing; run with UPDATE_GOLDEN=1 to create it`);
      }
      writeFileSync(goldenFile, actual);
    }
    // Compared as JSON, not text, so formatting the golden files (Prettier) never fails the test.
    expect(JSON.parse(actual)).toEqual(JSON.parse(readFileSync(goldenFile, 'utf8')));
  });

  it('writes only resources that conform to their profiles', () => {
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      expect(resource?.meta?.profile?.[0]).toMatch(/^https:\/\/sp-fhir-adapter\.org\/fhir\/StructureDefinition\//);
      expect({ resource: resource?.resourceType, issues: resource ? checker.check(resource) : ['missing'] }).toEqual({
        resource: resource?.resourceType,
        issues: [],
      });
    }
  });

  it('references only entries of the same transaction or resources the worker resolved', () => {
    const fullUrls = new Set((bundle.entry ?? []).map((e) => e.fullUrl).filter((u) => u !== undefined));
    const references = JSON.stringify(bundle).match(/"reference":"[^"]+"/g) ?? [];
    for (const ref of references) {
      const value = ref.slice('"reference":"'.length, -1);
      if (value.startsWith('urn:uuid:')) {
        expect(fullUrls).toContain(value);
      } else {
        expect([CTX.patient.reference, CTX.referral?.reference]).toContain(value);
      }
    }
  });
});
