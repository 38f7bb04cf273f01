/**
 * IHE BALP AuditEvents from real deliveries: referrals go through the running adapter into the sandbox EHR (a
 * first version created, a second updating it), then GET /v1/audit/audit-events and `audit export --format fhir`
 * return a Bundle whose AuditEvents validate against base FHIR R4 and carry the BALP structure: rest type,
 * create/update subtype and action, client/server/user agents, the resources written and the patient (as the
 * EHR's own Patient reference: no NHS number appears anywhere in the export).
 */
import { PassThrough } from 'node:stream';
import { validateResource } from '@medplum/core';
import type { AuditEvent, Bundle, Patient } from '@medplum/fhirtypes';
import { patientKeyer } from '../../src/store/patient-key';
import { exportCommand, fhirExporter } from '../../src/cli/audit';
import { ensureFhirDefinitionsLoaded } from '../../src/lib/fhir-definitions';
import type { TestAdapter } from '../support/adapter';
import { eventually, postJson, startTestAdapter } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

describe('IHE BALP AuditEvents', () => {
  let adapter: TestAdapter;
  const from = new Date(Date.now() - 60_000).toISOString();
  const first = referralDoc();
  const ids: string[] = [];

  async function delivered(id: string): Promise<Record<string, unknown>> {
    return eventually(async () => {
      const response = await fetch(`${adapter.apiUrl}/v1/messages/${id}`, {
        headers: { authorization: `Bearer ${INGEST_KEY}` },
      });
      const body = (await response.json()) as Record<string, unknown>;
      return body.status === 'delivered' ? body : undefined;
    });
  }

  beforeAll(async () => {
    ensureFhirDefinitionsLoaded();
    adapter = await startTestAdapter({
      name: 'audit-events',
      config: {
        http: { port: 0, apiKeys: { casebook: INGEST_KEY } },
        audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
      },
    });
    const second = { ...first, source: { ...first.source, recordVersion: 2 } };
    for (const doc of [first, second]) {
      const response = await postJson(`${adapter.apiUrl}/v1/referrals`, doc, {
        authorization: `Bearer ${INGEST_KEY}`,
      });
      expect(response.status).toBe(202);
      ids.push(String(response.body.messageId));
      await delivered(String(response.body.messageId));
    }
  }, 60_000);

  afterAll(async () => {
    await adapter.close();
  });

  function check(bundle: Bundle<AuditEvent>, written: Map<string, { reference: string; status: string }[]>): void {
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(() => validateResource(bundle)).not.toThrow();
    const events = (bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? [] : [e.resource]));
    expect(events.length).toBeGreaterThanOrEqual(2);
    // The validator is live: a broken AuditEvent is refused.
    expect(() =>
      validateResource({ ...events[0], action: 'X', recorded: 'yesterday' } as unknown as AuditEvent),
    ).toThrow();
    for (const event of events) {
      expect(() => validateResource(event)).not.toThrow();
      expect(event.type).toMatchObject({
        system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
        code: 'rest',
      });
      const interaction = event.subtype?.[0]?.code;
      expect(event.action).toBe(interaction === 'create' ? 'C' : 'U');
      expect(event.meta?.profile?.[0]).toBe(
        `https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.${interaction === 'create' ? 'PatientCreate' : 'PatientUpdate'}`,
      );
      expect(event.outcome).toBe('0');
      const agentCodes = event.agent.map((a) => a.type?.coding?.[0]?.code);
      expect(agentCodes).toEqual(['110153', '110152', 'INF']);
      expect(event.agent[0]?.type?.coding?.[0]?.system).toBe(DCM);
      expect(event.agent[0]?.network?.address).toEqual(expect.any(String));
      expect(event.agent[1]?.network?.address).toMatch(/^http:\/\/.+\/fhir$/);
      expect(event.agent[2]).toMatchObject({ requestor: true, who: { identifier: { value: 'casebook' } } });
      // The patient is the EHR's own Patient resource, as the delivery resolved it, with the endpoint it lives on.
      const patient = event.entity?.find((e) => e.role?.code === '1');
      expect(patient?.what).toEqual({ reference: patientRef });
      expect(patient?.detail).toEqual([{ type: 'endpoint', valueString: event.agent[1]?.network?.address }]);
    }
    // No NHS number anywhere in the export, in any form.
    const text = JSON.stringify(bundle);
    expect(text).not.toContain(first.patient.nhsNumber);
    expect(text).not.toContain('nhs-number');
    // The data entities are exactly the resources each delivery wrote, split into created and updated.
    for (const [messageId, resources] of written) {
      const mine = events.filter((e) => e.id?.startsWith(messageIdEntry.get(messageId) ?? '?'));
      const data = mine.flatMap((e) =>
        (e.entity ?? [])
          .filter((x) => x.role?.code === '4')
          .map((x) => [e.action, (x.what?.reference ?? '').replace(/\/_history\/.*$/, '')]),
      );
      const expected = resources.map((r) => [r.status.startsWith('201') ? 'C' : 'U', r.reference]);
      expect(data.sort()).toEqual(expected.sort());
    }
  }

  const messageIdEntry = new Map<string, string>();
  let patientRef = '';

  it('exports a Bundle of PatientCreate/PatientUpdate events that validate against base R4', async () => {
    const written = new Map<string, { reference: string; status: string }[]>();
    for (const id of ids) {
      const status = await delivered(id);
      written.set(id, status.resources as { reference: string; status: string }[]);
      const delivery = (await adapter.services.ledger.timeline(id)).find((e) => e.type === 'delivered');
      messageIdEntry.set(id, delivery?.id ?? '');
    }
    // The worker recorded the Patient it resolved in the EHR on the message and on its delivered ledger entry.
    const record = await adapter.services.store.get(ids[0] ?? '');
    patientRef = record?.patientRef ?? '';
    expect(patientRef).toMatch(/^Patient\/[A-Za-z0-9.-]+$/);
    const sandboxPatient = await adapter.sandbox?.repository.readReference<Patient>({ reference: patientRef });
    expect(sandboxPatient?.identifier?.[0]?.value).toBe(first.patient.nhsNumber);
    for (const id of ids) {
      const delivery = (await adapter.services.ledger.timeline(id)).find((e) => e.type === 'delivered');
      expect(delivery?.fields.patient).toBe(patientRef);
    }
    // The second version updated what the first created.
    expect(written.get(ids[1] ?? '')?.some((r) => r.status.startsWith('200'))).toBe(true);

    const to = new Date(Date.now() + 60_000).toISOString();
    const response = await fetch(`${adapter.apiUrl}/v1/audit/audit-events?practice=A81001&from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${AUDITOR_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    const bundle = (await response.json()) as Bundle<AuditEvent>;
    check(bundle, written);
    expect(new Set(bundle.entry?.map((e) => e.resource?.action))).toEqual(new Set(['C', 'U']));

    // Another practice's period holds none of them.
    const other = await fetch(`${adapter.apiUrl}/v1/audit/audit-events?practice=B82002`, {
      headers: { authorization: `Bearer ${AUDITOR_KEY}` },
    });
    expect(((await other.json()) as Bundle).entry).toEqual([]);

    // The CLI's FHIR export gives the same events.
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const { ledger, redis } = adapter.services;
    await exportCommand(
      {
        ledger,
        patientKey: patientKeyer(redis, `${adapter.prefix}:audit:patient-key-secret`),
        out,
        now: () => new Date(),
        who: 'ops-alice',
      },
      { format: 'fhir', practice: 'A81001' },
      fhirExporter(adapter.services.auditSite),
    );
    const fromCli = JSON.parse(text) as Bundle<AuditEvent>;
    expect(fromCli.entry?.map((e) => e.resource?.id)).toEqual(bundle.entry?.map((e) => e.resource?.id));
    check(fromCli, written);
  }, 30_000);
});
