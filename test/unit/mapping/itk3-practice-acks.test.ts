// What a receiving practice answers to a Send Document message, as ITK3 responses: read back with the adapter's
// own parser, and shaped so the MESH sandbox can be given them as its AckProducer.
import { gzipSync } from 'node:zlib';
import { EPISODE_DOCUMENT_TITLE } from '../../../src/mapping/episode-document';
import type { PracticeAnswer } from '../../../src/mapping/itk3';
import {
  buildSendDocumentMessage,
  parseItk3Acknowledgement,
  practiceAcknowledgements,
} from '../../../src/mapping/itk3';
import type { AckProducer } from '../../../src/sandbox/mesh';
import { CONSULT_REPORT_ACK_WORKFLOW } from '../../../src/sandbox/mesh';
import { journeyEpisode } from './episode-document-fixtures';

const AT = new Date('2026-11-20T12:05:00Z');

function sendDocument(): { body: Buffer; messageHeaderId: string; senderReference: string } {
  const { referral } = journeyEpisode('a-quick-connection');
  const built = buildSendDocumentMessage({
    referral: {
      ...referral,
      patient: { ...referral.patient, name: { given: 'Alex', family: 'Morgan' }, birthDate: '1961-04-30' },
    },
    pdf: Buffer.from('%PDF-1.7\n%%EOF\n'),
    documentTitle: EPISODE_DOCUMENT_TITLE,
    version: 1,
    senderMailbox: 'SPFHIR001',
    generatedAt: new Date('2026-11-20T12:00:00Z'),
  });
  if (!built.ok) {
    throw new Error(JSON.stringify(built.outcome));
  }
  return {
    body: Buffer.from(JSON.stringify(built.message)),
    messageHeaderId: built.ids.messageHeaderId,
    senderReference: built.ids.senderReference,
  };
}

function answersTo(report: Buffer, answer: PracticeAnswer) {
  return practiceAcknowledgements({ report, answer, practiceOds: 'A81001', practiceMailbox: 'A81001HC01', at: AT }).map(
    (ack) => {
      const parsed = parseItk3Acknowledgement(ack.body);
      if (!parsed.ok) {
        throw new Error(JSON.stringify(parsed.outcome));
      }
      return { kind: ack.kind, code: ack.code, read: parsed.acknowledgement };
    },
  );
}

const sent = sendDocument();

test('an accepting practice answers 20013 then 30001, naming the message and its sender reference', () => {
  const answers = answersTo(sent.body, { outcome: 'accepted' });
  expect(answers.map((a) => [a.kind, a.code, a.read.positive])).toEqual([
    ['infrastructure', '20013', true],
    ['business', '30001', true],
  ]);
  for (const { read } of answers) {
    expect(read).toMatchObject({
      inResponseTo: sent.messageHeaderId,
      senderReference: sent.senderReference,
      fromOds: 'A81001',
      responseCode: 'ok',
    });
  }
});

test('a rejecting practice answers a negative business response with its reason as diagnostics', () => {
  const answers = answersTo(sent.body, { outcome: 'rejected', reason: { code: '30003', text: 'Patient has left' } });
  expect(answers.map((a) => [a.kind, a.code, a.read.responseCode])).toEqual([
    ['infrastructure', '20013', 'ok'],
    ['business', '30003', 'fatal-error'],
  ]);
  expect(answers[1]?.read.codes).toEqual([
    { code: '30003', display: 'Patient no longer at this clinical setting', diagnostics: 'Patient has left' },
  ]);
});

test('a rejection whose code is no ITK3 code becomes 30002; a negative infrastructure code stands alone', () => {
  expect(
    answersTo(sent.body, { outcome: 'rejected', reason: { code: 'SANDBOX-REJECT', text: 'no' } }).map((a) => a.code),
  ).toEqual(['20013', '30002']);
  expect(
    answersTo(sent.body, { outcome: 'rejected', reason: { code: '20009', text: 'bad payload' } }).map((a) => [
      a.kind,
      a.code,
      a.read.positive,
    ]),
  ).toEqual([['infrastructure', '20009', false]]);
});

test('a message compressed by its sender is read once decompressed', () => {
  const answers = practiceAcknowledgements({
    report: gzipSync(sent.body),
    contentEncoding: 'gzip',
    answer: { outcome: 'accepted' },
    practiceOds: 'A81001',
    practiceMailbox: 'A81001HC01',
    at: AT,
  });
  expect(answers.map((a) => a.code)).toEqual(['20013', '30001']);
});

test('a message that cannot be read gets one infrastructure response 10009', () => {
  for (const body of [Buffer.from('not json'), gzipSync(sent.body), Buffer.from('{"resourceType":"Bundle"}')]) {
    expect(answersTo(body, { outcome: 'accepted' }).map((a) => [a.kind, a.code, a.read.positive])).toEqual([
      ['infrastructure', '10009', false],
    ]);
  }
});

test('fits the MESH sandbox as its AckProducer', () => {
  // How the composition root would wire it: sandbox/ and mapping/ share a layer, so neither imports the other.
  const itk3Acks: AckProducer = (report, decision, at) =>
    practiceAcknowledgements({
      report: report.body,
      ...(report.contentEncoding !== undefined ? { contentEncoding: report.contentEncoding } : {}),
      answer: decision.outcome === 'accepted' ? decision : { outcome: 'rejected', reason: decision.reason },
      practiceOds: report.practice.slice(0, 6),
      practiceMailbox: report.practice,
      at,
    }).map((ack) => ({
      workflowId: CONSULT_REPORT_ACK_WORKFLOW,
      subject: `${ack.kind} acknowledgement`,
      fileName: `${ack.kind}-ack-${report.messageId}.json`,
      contentType: 'application/fhir+json',
      body: ack.body,
    }));
  const acks = itk3Acks(
    { messageId: 'M1', from: 'SPFHIR001', practice: 'A81001HC01', workflowId: 'GPFED_CONSULT_REPORT', body: sent.body },
    { outcome: 'accepted' },
    AT,
  );
  expect(acks.map((ack) => parseItk3Acknowledgement(ack.body).ok)).toEqual([true, true]);
  expect(acks.map((ack) => ack.workflowId)).toEqual([CONSULT_REPORT_ACK_WORKFLOW, CONSULT_REPORT_ACK_WORKFLOW]);
});
