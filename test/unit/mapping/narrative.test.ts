// The generated narrative: on every mapped resource, well-formed XHTML in the XHTML namespace, with the sender's
// text escaped so that markup in a note can never become markup in the GP record.
import type { ServiceRequest } from '@medplum/fhirtypes';
import { mapMessage } from '../../../src/mapping';
import { escapeXhtml, narrativeOf } from '../../../src/mapping/narrative';
import { validateInbound } from '../../../src/messages/validate';
import { journeyBody } from '../../support/fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');
const CTX = { patient: { reference: 'Patient/p-1' }, recordedAt: '2026-11-20T12:00:00.000Z' };
const DIV_START = '<div xmlns="http://www.w3.org/1999/xhtml">';

const referral = journeyBody('a-quick-connection/01-referral.json') as Record<string, unknown>;

/** What is left of a div once the only markup the narrative writes is taken out: text and entities only. */
function textOf(div: string): string {
  expect(div.startsWith(DIV_START) && div.endsWith('</div>')).toBe(true);
  return div.slice(DIV_START.length, -'</div>'.length).replace(/<\/?(p|b)>/g, '');
}

test('escapes the five XML special characters', () => {
  expect(escapeXhtml(`<script>alert("x") & 'y'</script>`)).toBe(
    '&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;',
  );
});

test('every resource of a referral carries a generated narrative in which markup from the sender is text', () => {
  const note = 'Prefers <b>mornings</b> & "quiet" places';
  const validated = validateInbound('referral', { ...referral, note }, NOW);
  if (!validated.ok) {
    throw new Error(JSON.stringify(validated.issues));
  }
  const resources = mapMessage(validated.message, CTX);
  expect(resources.map((r) => r.resourceType)).toEqual([
    'ServiceRequest',
    'Task',
    'EpisodeOfCare',
    'Observation',
    'Consent',
    'Observation',
    'Provenance',
  ]);
  for (const resource of resources) {
    const text = (resource as { text?: { status?: string; div?: string } }).text;
    expect(text?.status).toBe('generated');
    const left = textOf(text?.div ?? '');
    expect(left).not.toMatch(/[<>]/);
    expect(left.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
  }
  const request = resources[0] as ServiceRequest;
  expect(request.text?.div).toContain('Prefers &lt;b&gt;mornings&lt;/b&gt; &amp; &quot;quiet&quot; places');
});

test('the narrative says only what the resource records', () => {
  const narrative = narrativeOf({
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'Readiness to act' },
    effectiveDateTime: '2026-10-02T10:00:00Z',
    valueCodeableConcept: { coding: [{ code: 'ready', display: 'Ready' }] },
  });
  expect(narrative).toEqual({
    status: 'generated',
    div: `${DIV_START}<p><b>Observation</b>: Readiness to act</p><p><b>Date</b>: 2026-10-02T10:00:00Z</p><p><b>Value</b>: Ready</p></div>`,
  });
});

test('a labelled resource says in its narrative who may see it, and an alert says what, since when and until when', () => {
  const narrative = narrativeOf({
    resourceType: 'Flag',
    meta: {
      security: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' },
        { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'NOPAT' },
      ],
    },
    status: 'inactive',
    code: { text: 'Large dog at the home' },
    subject: { reference: 'Patient/p-1' },
    period: { start: '2026-10-01T09:00:00Z', end: '2026-11-07T10:00:00Z' },
  });
  expect(textOf(narrative.div)).toBe(
    'Alert: Large dog at the home' +
      'Status: inactive' +
      'Since: 2026-10-01T09:00:00Z' +
      'Until: 2026-11-07T10:00:00Z' +
      'Visibility: Confidentiality: restricted; Withheld from online record access',
  );
});
