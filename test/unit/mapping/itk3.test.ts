// The GP Connect Send Document (ITK3) message built from each journey's episode, with a fixed PDF payload, must
// equal the golden JSON in test/fixtures/itk3/<journey>.message.json and hold together as the specification
// describes; ITK3 acknowledgements read into a small result. Regenerate the golden files after an intended change:
// UPDATE_GOLDEN=1 npx jest test/unit/mapping/itk3.test.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EPISODE_DOCUMENT_TITLE } from '../../../src/mapping/episode-document';
import type { SendDocumentInput, Stu3Bundle } from '../../../src/mapping/itk3';
import {
  buildItk3Acknowledgement,
  buildSendDocumentMessage,
  parseItk3Acknowledgement,
  sendDocumentSubject,
} from '../../../src/mapping/itk3';
import { JOURNEY_NAMES, journeyEpisode } from './episode-document-fixtures';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'itk3');
const PDF = Buffer.from('%PDF-1.7\n% fixed test payload\n%%EOF\n');

/** The journeys carry no name or date of birth; MESH routing and the Patient need both, so the tests add them. */
function inputFor(journey: string, version = 1): SendDocumentInput {
  const { referral } = journeyEpisode(journey);
  return {
    referral: {
      ...referral,
      patient: { ...referral.patient, name: { given: 'Alex', family: 'Morgan' }, birthDate: '1961-04-30' },
    },
    pdf: PDF,
    documentTitle: EPISODE_DOCUMENT_TITLE,
    version,
    senderMailbox: 'SPFHIR001',
    generatedAt: new Date('2026-11-20T12:00:00Z'),
    senderTelephone: '01642 000000',
  };
}

function built(input: SendDocumentInput): ReturnType<typeof buildSendDocumentMessage> & { ok: true } {
  const result = buildSendDocumentMessage(input);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.outcome));
  }
  return result;
}

type Json = Record<string, unknown>;
const asJson = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

function entries(bundle: Json): Json[] {
  return (bundle.entry as { resource: Json }[]).map((entry) => entry.resource);
}

describe.each(JOURNEY_NAMES)('%s', (journey) => {
  const result = built(inputFor(journey));
  const message = asJson(result.message);

  it('builds the golden message', () => {
    const goldenFile = path.join(FIXTURES, `${journey}.message.json`);
    const actual = `${JSON.stringify(message, null, 2)}\n`;
    if (UPDATE || !existsSync(goldenFile)) {
      if (!UPDATE) {
        throw new Error(`${goldenFile} is missing; run with UPDATE_GOLDEN=1 to create it`);
      }
      writeFileSync(goldenFile, actual);
    }
    expect(message).toEqual(JSON.parse(readFileSync(goldenFile, 'utf8')));
  });

  it('is an ITK3 message whose header asks for both acknowledgements and points at the document', () => {
    expect(message).toMatchObject({ resourceType: 'Bundle', type: 'message' });
    const [header, headerOrganization, documentBundle] = entries(message);
    expect(header).toMatchObject({
      resourceType: 'MessageHeader',
      event: { system: 'https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2', code: 'ITK007C' },
      source: { endpoint: 'SPFHIR001' },
      timestamp: '2026-11-20T12:00:00.000Z',
    });
    expect(header).not.toHaveProperty('destination');
    expect(header).not.toHaveProperty('receiver');
    const handling = (header?.extension as { url: string; extension: Json[] }[])[0];
    expect(handling?.url).toBe('https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2');
    expect(handling?.extension).toEqual(
      expect.arrayContaining([
        { url: 'BusAckRequested', valueBoolean: true },
        { url: 'InfAckRequested', valueBoolean: true },
        {
          url: 'RecipientType',
          valueCoding: {
            system: 'https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1',
            code: 'FA',
            display: 'For Action',
          },
        },
        { url: 'SenderReference', valueString: result.ids.senderReference },
        expect.objectContaining({ url: 'MessageDefinition' }),
        expect.objectContaining({ url: 'LocalExtension' }),
      ]),
    );
    expect(headerOrganization).toMatchObject({
      resourceType: 'Organization',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'RX9LW' }],
    });
    expect(documentBundle).toMatchObject({ resourceType: 'Bundle', type: 'document' });
    const urls = (message.entry as { fullUrl: string }[]).map((e) => e.fullUrl);
    expect(urls).toContain((header?.focus as { reference: string }).reference);
    expect(urls).toContain((header?.sender as { reference: string }).reference);
  });

  it('holds the Composition first, the PDF as the first section entry, and resolves every reference', () => {
    const documentBundle = entries(message)[2] ?? {};
    const resources = entries(documentBundle);
    const [composition] = resources;
    expect(composition).toMatchObject({ resourceType: 'Composition', status: 'final', title: EPISODE_DOCUMENT_TITLE });
    const byUrl = new Map(
      (documentBundle.entry as { fullUrl: string; resource: Json }[]).map((e) => [e.fullUrl, e.resource]),
    );
    const references = JSON.stringify(composition).match(/"reference":"[^"]+"/g) ?? [];
    expect(references.length).toBeGreaterThanOrEqual(4);
    for (const ref of references) {
      expect(byUrl.has(ref.slice('"reference":"'.length, -1))).toBe(true);
    }
    const sections = composition?.section as { entry: { reference: string }[] }[];
    const binary = byUrl.get(sections[0]?.entry[0]?.reference ?? '');
    expect(binary).toMatchObject({ resourceType: 'Binary', contentType: 'application/pdf' });
    expect(Buffer.from(String(binary?.content), 'base64').equals(PDF)).toBe(true);
    expect(byUrl.get((composition?.subject as { reference: string }).reference)).toMatchObject({
      resourceType: 'Patient',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
      name: [{ use: 'official', family: 'Morgan', given: ['Alex'] }],
      birthDate: '1961-04-30',
    });
    expect(composition).not.toHaveProperty('relatesTo');
  });

  it('is the same message when built again', () => {
    expect(asJson(built(inputFor(journey)).message)).toEqual(message);
  });
});

describe('a replacement document', () => {
  const first = built(inputFor('b-anchoring', 1));
  const second = built(inputFor('b-anchoring', 2));

  it('names the document it replaces and carries its version', () => {
    const documentBundle = entries(asJson(second.message))[2] ?? {};
    expect(documentBundle.meta).toMatchObject({ versionId: '2' });
    expect(entries(documentBundle)[0]).toMatchObject({
      relatesTo: [
        {
          code: 'replaces',
          targetIdentifier: { system: 'https://tools.ietf.org/html/rfc4122', value: first.ids.compositionIdentifier },
        },
      ],
    });
    expect(JSON.stringify(entries(documentBundle)[0])).toContain('Version: 2');
  });

  it('is a new message for the same episode', () => {
    expect(second.ids.messageHeaderId).not.toBe(first.ids.messageHeaderId);
    expect(second.ids.compositionIdentifier).not.toBe(first.ids.compositionIdentifier);
    expect(second.ids.senderReference).toBe(first.ids.senderReference);
  });
});

describe('input the message cannot be built from', () => {
  it('names each missing part by path', () => {
    const input = inputFor('a-quick-connection');
    const result = buildSendDocumentMessage({
      ...input,
      referral: { ...input.referral, patient: { nhsNumber: input.referral.patient.nhsNumber } },
      version: 0,
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.outcome.issue.map((issue) => issue.expression?.[0])).toEqual([
      'patient.name',
      'patient.birthDate',
      'version',
    ]);
  });

  it('gives a MESH subject only with the name it must carry', () => {
    const input = inputFor('c-link-worker-only');
    expect(sendDocumentSubject(input)).toBe(
      'Social prescribing summary for Alex Morgan, NHS Number: 9990000018, seen at Teesside Social Prescribing ' +
        'Service, RX9LW, Version: 1',
    );
    expect(
      sendDocumentSubject({ ...input, referral: { ...input.referral, patient: { nhsNumber: '9990000018' } } }),
    ).toBeUndefined();
  });

  it('keeps the MESH subject to printable ASCII, as a header must be, whatever the names hold', () => {
    const input = inputFor('c-link-worker-only');
    const subject = sendDocumentSubject({
      ...input,
      referral: {
        ...input.referral,
        patient: { ...input.referral.patient, name: { given: 'Siân', family: 'Ó Súilleabháin 李' } },
      },
    });
    expect(subject).toContain('for Sian O Suilleabhain ?, NHS Number');
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('ITK3 acknowledgements', () => {
  const sent = built(inputFor('a-quick-connection'));
  const answer = (code: Parameters<typeof buildItk3Acknowledgement>[0]['code'], diagnostics?: string): Stu3Bundle =>
    buildItk3Acknowledgement({
      inResponseTo: sent.ids.messageHeaderId,
      senderReference: sent.ids.senderReference,
      code,
      responderOds: 'A81001',
      responderMailbox: 'A81001HC01',
      at: new Date('2026-11-20T12:05:00Z'),
      ...(diagnostics !== undefined ? { diagnostics } : {}),
    });

  it.each([
    ['20013', 'infrastructure', 'ok', true],
    ['30001', 'business', 'ok', true],
    ['30002', 'business', 'fatal-error', false],
    ['20009', 'infrastructure', 'fatal-error', false],
  ] as const)('reads a %s response as %s, %s', (code, kind, responseCode, positive) => {
    const parsed = parseItk3Acknowledgement(JSON.stringify(answer(code, positive ? undefined : 'context')));
    expect(parsed).toEqual({
      ok: true,
      acknowledgement: {
        kind,
        inResponseTo: sent.ids.messageHeaderId,
        responseCode,
        positive,
        codes: [{ code, display: expect.any(String) as unknown, diagnostics: positive ? undefined : 'context' }],
        senderReference: sent.ids.senderReference,
        fromOds: 'A81001',
        timestamp: '2026-11-20T12:05:00.000Z',
      },
    });
  });

  it('reads a response written by hand from the specification', () => {
    const parsed = parseItk3Acknowledgement(readFileSync(path.join(FIXTURES, 'negative-infrastructure-ack.json')));
    expect(parsed).toMatchObject({
      ok: true,
      acknowledgement: {
        kind: 'infrastructure',
        inResponseTo: '3f2a1b0c-9d8e-8f7a-a6b5-c4d3e2f1a0b9',
        responseCode: 'fatal-error',
        positive: false,
        codes: [{ code: '10010', diagnostics: 'RecipientType was not FA' }],
        fromOds: 'A81001',
      },
    });
  });

  it('needs an OperationOutcome with an ITK3 response code', () => {
    const withoutOutcome = asJson(answer('20013'));
    withoutOutcome.entry = (withoutOutcome.entry as Json[]).slice(0, 2);
    expect(parseItk3Acknowledgement(JSON.stringify(withoutOutcome))).toMatchObject({
      ok: false,
      outcome: { issue: [{ expression: ['entry'] }] },
    });
    const otherCodes = JSON.stringify(answer('20013')).replace(
      'https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1',
      'https://example.org/codes',
    );
    expect(parseItk3Acknowledgement(otherCodes)).toMatchObject({
      ok: false,
      outcome: { issue: [{ expression: ['entry[2].resource.issue'] }] },
    });
  });

  it('answers a response that is not one with the path of the problem', () => {
    expect(parseItk3Acknowledgement('not json')).toMatchObject({
      ok: false,
      outcome: { issue: [{ expression: ['$this'] }] },
    });
    const noResponse = asJson(answer('20013'));
    const [header] = entries(noResponse);
    delete header?.response;
    const parsed = parseItk3Acknowledgement(JSON.stringify(noResponse));
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.outcome.issue.map((issue) => issue.expression?.[0])).toContain(
      'entry[0].resource.response',
    );
    // A Send Document message is not a response: its event is ITK007C and it has no response element.
    const notAResponse = parseItk3Acknowledgement(JSON.stringify(sent.message));
    expect(notAResponse.ok ? [] : notAResponse.outcome.issue.map((issue) => issue.expression?.[0])).toEqual([
      'entry[0].resource.event.code',
      'entry[0].resource.response',
    ]);
  });
});
