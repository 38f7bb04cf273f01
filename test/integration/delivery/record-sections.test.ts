/**
 * The record's sections in the EHR, on real Redis and the sandbox over HTTP: a risk the referral raised and a
 * later outcome note resolved is one alert, now inactive; a safeguarding concern closed by a later note is one
 * alert, inactive; the security labels of a withheld note are kept by the EHR; the request to the GP is a Task
 * the practice owns; the consent to share is in force.
 */
import type { Bundle, Consent, Encounter, Flag, Resource, Task } from '@medplum/fhirtypes';
import type { OutcomeNoteMessage, ReferralMessage } from '../../../src/messages/schemas';
import type { TestAdapter } from '../../support/adapter';
import { journeyBody, uniqueId } from '../../support/fixtures';
import { settled, startDeliveryAdapter, submit } from './support';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startDeliveryAdapter('delivery-record-sections');
});

afterAll(async () => {
  await adapter.close();
});

async function found<T extends Resource>(resourceType: T['resourceType'], system: string, value: string): Promise<T[]> {
  const token = encodeURIComponent(`${system}|${value}`);
  const response = await fetch(`${adapter.sandbox?.baseUrl ?? ''}/${resourceType}?identifier=${token}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as Bundle<T>).entry?.flatMap((entry) => entry.resource ?? []) ?? [];
}

async function deliver(path: string, body: unknown): Promise<void> {
  const status = await settled(adapter, await submit(adapter, path, body));
  expect({ status: status.status, error: status.lastError }).toEqual({ status: 'delivered', error: undefined });
}

test('alerts are kept per episode and closed by later notes; labels, requests and consent reach the EHR', async () => {
  const referralId = uniqueId('REF');
  const referral = journeyBody('b-anchoring/01-referral.json') as ReferralMessage;
  const system = referral.source.system;
  const note = (file: string): OutcomeNoteMessage => {
    const doc = journeyBody(`b-anchoring/${file}`) as OutcomeNoteMessage;
    return { ...doc, source: { ...doc.source, recordId: uniqueId('NOTE') }, referralId };
  };
  const withheld = note('03-contact.json');
  const closing = note('06-contact.json');

  await deliver('/v1/referrals', { ...referral, source: { ...referral.source, recordId: referralId } });
  const [raised] = await found<Flag>('Flag', system, `referral/${referralId}/risk/dog`);
  expect(raised?.status).toBe('active');
  await deliver('/v1/outcome-notes', withheld);
  await deliver('/v1/outcome-notes', closing);

  const dog = await found<Flag>('Flag', system, `referral/${referralId}/risk/dog`);
  expect(dog.map((flag) => [flag.status, flag.period?.end])).toEqual([['inactive', '2026-11-07T10:00:00Z']]);
  const concern = await found<Flag>('Flag', system, `referral/${referralId}/safeguarding/bank-card/alert`);
  expect(concern.map((flag) => [flag.status, flag.period?.end])).toEqual([['inactive', '2026-11-02T09:00:00Z']]);

  const [contact] = await found<Encounter>('Encounter', system, `outcome-note/${withheld.source.recordId}/contact`);
  expect(contact?.meta?.security?.map((label) => label.code)).toEqual(['R', 'NOPAT', 'third-party-information']);

  const requests = await found<Task>('Task', system, `outcome-note/${closing.source.recordId}/gp-request/mood-review`);
  expect(requests.map((task) => [task.status, task.owner?.identifier?.value, task.focus?.reference])).toEqual([
    ['requested', 'A81001', expect.stringMatching(/^ServiceRequest\//) as unknown],
  ]);

  const consent = await found<Consent>('Consent', system, `referral/${referralId}/consent`);
  expect(consent.map((c) => c.status)).toEqual(['active']);
}, 60_000);
