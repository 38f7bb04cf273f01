// Golden files: every journey document under test/fixtures/journeys maps to exactly the FHIR JSON committed
// beside it (*.fhir.json), and every mapped resource conforms to its published profile. A later version of a record
// is mapped as the worker maps it: told the version it follows, so the parts it drops are retracted, and a referral
// is told what the EHR holds from the journey's earlier documents, so an ending one closes its episode's open parts.
// Regenerate after an intended mapping change with: UPDATE_GOLDEN=1 npx jest test/unit/mapping/golden.test.ts
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createConformanceChecker } from '../../../src/conformance';
import type { ConformanceChecker } from '../../../src/conformance';
import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import type { MapContext } from '../../../src/mapping';
import { mapMessage, transactionBundle } from '../../../src/mapping';
import { validateInbound } from '../../../src/messages/validate';
import type { InboundMessage, MessageKind } from '../../../src/messages/schemas';
import { episodeIdentifier, episodeReference } from '../../../src/mapping/episode-of-care';

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

test('there are four journeys with documents', () => {
  expect(new Set(cases.map(([journey]) => journey)).size).toBe(4);
});

function load(journey: string, file: string): InboundMessage {
  const input = JSON.parse(readFileSync(path.join(JOURNEYS, journey, file), 'utf8')) as {
    kind: MessageKind;
    body: unknown;
  };
  const validated = validateInbound(input.kind, input.body, NOW);
  if (!validated.ok) {
    throw new Error(`${journey}/${file} is not valid input: ${JSON.stringify(validated.issues)}`);
  }
  return validated.message;
}

/** The latest earlier document of the same record in the journey: the version the worker would be told it follows. */
function previousOf(journey: string, file: string, message: InboundMessage): InboundMessage | undefined {
  return cases
    .filter(([j, f]) => j === journey && f < file)
    .map(([j, f]) => load(j, f))
    .filter((m) => m.kind === message.kind && m.body.source.recordId === message.body.source.recordId)
    .at(-1);
}

/**
 * The episodes a message may name by conditional reference (the server resolves them): a follow-up record its
 * referral's, a re-referral the earlier one.
 */
function episodeReferences(message: InboundMessage): string[] {
  const { system } = message.body.source;
  if (message.kind !== 'referral') {
    return [episodeReference(system, message.body.referralId).reference ?? ''];
  }
  const previous = message.body.previousReferralId;
  return previous !== undefined ? [episodeReference(system, previous).reference ?? ''] : [];
}

/** The context the worker would map `file` in: the version it follows, and for a referral what the EHR holds. */
function contextOf(journey: string, file: string, message: InboundMessage, held: readonly Resource[]): MapContext {
  const previous = previousOf(journey, file, message);
  const base = message.kind === 'referral' ? { patient: CTX.patient, recordedAt: CTX.recordedAt } : CTX;
  return {
    ...base,
    ...(previous !== undefined ? { previous } : {}),
    ...(message.kind === 'referral' && held.length > 0 ? { episodeParts: held } : {}),
    ...(message.kind === 'referral' ? heldEpisode(message, held) : {}),
  };
}

/** The referral's episode as the EHR names it, when the journey's earlier documents wrote it. */
function heldEpisode(message: InboundMessage, held: readonly Resource[]): Pick<MapContext, 'episodeOfCare'> {
  const wanted = episodeIdentifier(message.body.source.system, message.body.source.recordId);
  const episode = held.find(
    (resource) =>
      resource.resourceType === 'EpisodeOfCare' &&
      resource.identifier?.some((i) => i.system === wanted.system && i.value === wanted.value),
  );
  return episode?.id === undefined ? {} : { episodeOfCare: { reference: `EpisodeOfCare/${episode.id}` } };
}

/**
 * What the EHR holds when `file` is delivered, as a worker's search would find it: the latest write of every
 * resource the journey's earlier documents wrote, each given an id (`held-<n>`) and its bundle references made
 * literal, as a server stores them.
 */
function heldBefore(journey: string, file: string): Resource[] {
  const latest = new Map<string, BundleEntry>();
  for (const [j, f] of cases.filter(([j, f]) => j === journey && f < file)) {
    const earlier = load(j, f);
    for (const entry of transactionBundle(mapMessage(earlier, contextOf(j, f, earlier, []))).entry ?? []) {
      if (entry.fullUrl !== undefined) {
        latest.set(entry.fullUrl, entry);
      }
    }
  }
  // A server makes both bundle-internal and conditional references literal (the conditional URL of an entry's
  // write is the conditional reference a later record names it by).
  const literal = new Map(
    [...latest].flatMap(([fullUrl, entry], index) => {
      const held = `${entry.resource?.resourceType ?? ''}/held-${String(index)}`;
      return [[fullUrl, held] as const, [entry.request?.url ?? fullUrl, held] as const];
    }),
  );
  return [...latest.values()].map((entry, index) => {
    const resource = JSON.parse(JSON.stringify(entry.resource), (_key, value: unknown) =>
      typeof value === 'string' ? (literal.get(value) ?? value) : value,
    ) as Resource;
    return { ...resource, id: `held-${String(index)}` };
  });
}

describe.each(cases)('%s/%s', (journey, file) => {
  const message = load(journey, file);
  const held = message.kind === 'referral' ? heldBefore(journey, file) : [];
  const bundle = transactionBundle(mapMessage(message, contextOf(journey, file, message, held)));
  const heldReferences = new Set(held.map((r) => `${r.resourceType}/${r.id ?? ''}`));
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

  it('references only entries of the same transaction, its episodes or resources the worker resolved', () => {
    const fullUrls = new Set((bundle.entry ?? []).map((e) => e.fullUrl).filter((u) => u !== undefined));
    const episodes = episodeReferences(message);
    for (const entry of bundle.entry ?? []) {
      const contained = new Set(
        ((entry.resource as { contained?: { id?: string }[] } | undefined)?.contained ?? []).map(
          (c) => `#${c.id ?? ''}`,
        ),
      );
      const references = JSON.stringify(entry.resource).match(/"reference":"[^"]+"/g) ?? [];
      for (const ref of references) {
        const value = ref.slice('"reference":"'.length, -1);
        if (value.startsWith('urn:uuid:')) {
          expect(fullUrls).toContain(value);
        } else if (value.startsWith('#')) {
          expect(contained).toContain(value);
        } else if (value.startsWith('EpisodeOfCare?')) {
          expect(episodes).toContain(value);
        } else if (value.includes('/held-')) {
          // A part of the episode the EHR already held, closed by this referral.
          expect(heldReferences).toContain(value);
        } else {
          expect([CTX.patient.reference, CTX.referral?.reference]).toContain(value);
        }
      }
    }
  });
});
