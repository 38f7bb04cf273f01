/**
 * The journeys through the running adapter (API, BullMQ on real Redis, worker) into the sandbox
 * EHR over HTTP. Every resource the EHR holds afterwards is read back, validated against the published profiles
 * and has each of its literal references resolved.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { createConformanceChecker } from '../../src/conformance';
import type { ConformanceChecker } from '../../src/conformance';
import { INGEST_PATHS } from '../../src/http/routes/ingest';
import type { MessageKind } from '../../src/messages/schemas';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../support/adapter';

const JOURNEYS = path.join(__dirname, '..', 'fixtures', 'journeys');

let adapter: TestAdapter;
let checker: ConformanceChecker;

beforeAll(async () => {
  checker = createConformanceChecker();
  adapter = await startTestAdapter({ name: 'journeys' });
}, 60_000);

afterAll(async () => {
  await adapter.close();
});

function documents(journey: string): { file: string; kind: MessageKind; body: unknown }[] {
  return readdirSync(path.join(JOURNEYS, journey))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.fhir.json'))
    .sort()
    .map((file) => ({
      file,
      ...(JSON.parse(readFileSync(path.join(JOURNEYS, journey, file), 'utf8')) as { kind: MessageKind; body: unknown }),
    }));
}

async function read(reference: string): Promise<{ status: number; resource?: Resource }> {
  const sandbox = adapter.sandbox;
  if (sandbox === undefined) {
    throw new Error('the sandbox is not running');
  }
  const response = await fetch(`${sandbox.baseUrl}/${reference}`);
  return response.ok
    ? { status: response.status, resource: (await response.json()) as Resource }
    : { status: response.status };
}

function literalReferences(resource: Resource): string[] {
  return (JSON.stringify(resource).match(/"reference":"[^"]+"/g) ?? []).map((r) => r.slice('"reference":"'.length, -1));
}

describe.each(readdirSync(JOURNEYS).sort())('journey %s', (journey) => {
  it('reaches the EHR as conforming, fully linked resources', async () => {
    const written: string[] = [];
    // In order, each delivered before the next is sent: later records refer to the referral, and the closing
    // version of the referral must be the last one the EHR sees.
    for (const doc of documents(journey)) {
      const response = await postJson(`${adapter.apiUrl}${INGEST_PATHS[doc.kind]}`, doc.body);
      expect({ file: doc.file, status: response.status }).toEqual({ file: doc.file, status: 202 });
      const status = await waitForStatus(adapter.apiUrl, String(response.body.messageId), ['delivered', 'failed']);
      expect({ file: doc.file, status: status.status, error: status.lastError }).toEqual({
        file: doc.file,
        status: 'delivered',
        error: undefined,
      });
      const resources = status.resources as { resourceType: string; reference: string; identifier?: string }[];
      expect(resources.length).toBeGreaterThan(1);
      // Each written resource is named by its business identifier (system|value); the Provenance has none.
      for (const { resourceType, identifier } of resources) {
        expect({ resourceType, identifier }).toEqual({
          resourceType,
          identifier: resourceType === 'Provenance' ? undefined : (expect.stringMatching(/^[^|]+\|[^|]+/) as unknown),
        });
      }
      written.push(...resources.map((r) => r.reference));
    }
    const kinds = new Set<string>();
    for (const reference of new Set(written)) {
      const { status, resource } = await read(reference);
      expect({ reference, status }).toEqual({ reference, status: 200 });
      if (resource === undefined) {
        continue;
      }
      kinds.add(resource.resourceType);
      const errors = checker.check(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
      expect({ reference, errors }).toEqual({ reference, errors: [] });
      // A contained resource (`#organisation`) resolves inside the resource itself, not at the EHR.
      const contained = new Set(
        ((resource as { contained?: { id?: string }[] }).contained ?? []).map((c) => `#${c.id ?? ''}`),
      );
      for (const target of literalReferences(resource).filter((t) => !contained.has(t))) {
        const resolved = await read(target);
        expect({ from: reference, target, status: resolved.status }).toEqual({ from: reference, target, status: 200 });
      }
    }
    expect([...kinds]).toEqual(
      expect.arrayContaining(['ServiceRequest', 'Task', 'Encounter', 'Observation', 'Provenance']),
    );
  }, 120_000);
});
