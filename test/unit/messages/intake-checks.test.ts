// The intake checks that refuse, at the API, what a FHIR server or a GP system would refuse later: implausible
// dates, non-https URIs, control characters, NHS numbers that are never issued, and referrals with no referrer.
import { isIssuableNhsNumber, isValidNhsNumber } from '../../../src/messages/nhs-number';
import type { MessageKind, ReferralMessage } from '../../../src/messages/schemas';
import { goalDoc, outcomeNoteDoc, referralDoc } from '../../support/fixtures';
import type { IntakeProblem } from '../../support/intake';
import { intakeProblems } from '../../support/intake';

const NOW = new Date('2026-12-01T12:00:00Z');

function problems(kind: MessageKind, body: unknown): IntakeProblem[] {
  return intakeProblems(kind, body, NOW);
}

function expressions(kind: MessageKind, body: unknown): string[] {
  return problems(kind, body).map((p) => p.expression);
}

describe('the example documents', () => {
  it('pass every intake check, so the rules below are what make the variants fail', () => {
    expect(problems('referral', referralDoc())).toEqual([]);
    expect(problems('goal', goalDoc('REF-1'))).toEqual([]);
    expect(problems('outcome-note', outcomeNoteDoc('REF-1'))).toEqual([]);
  });
});

describe('dates', () => {
  it.each([
    ['year 0000', '0000-01-01T10:00:00Z'],
    ['year 0099', '0099-05-05T10:00:00+01:00'],
    ['year 1899', '1899-12-31T23:59:00Z'],
  ])('refuses a date-time in %s', (_label, value) => {
    const doc = referralDoc({ referredAt: value });
    const found = problems('referral', doc).find((p) => p.expression === 'referredAt');
    expect(found?.text).toMatch(/before the year 1900/);
  });

  it('refuses a plain date before 1900', () => {
    const doc = goalDoc('REF-1', { targetDate: '0000-02-02' });
    expect(expressions('goal', doc)).toContain('targetDate');
  });

  it('refuses a birth date more than 120 years ago', () => {
    const base = referralDoc();
    const doc = { ...base, patient: { ...base.patient, birthDate: '1906-01-01' } };
    const found = problems('referral', doc).find((p) => p.expression === 'patient.birthDate');
    expect(found?.text).toMatch(/not plausible/);
  });

  it('accepts a birth date 100 years ago', () => {
    const base = referralDoc();
    const doc = { ...base, patient: { ...base.patient, birthDate: '1926-12-01' } };
    expect(expressions('referral', doc)).not.toContain('patient.birthDate');
  });

  it('refuses a referral dated before the person was born', () => {
    const base = referralDoc({ referredAt: '2020-01-01T09:00:00Z' });
    const doc = { ...base, patient: { ...base.patient, birthDate: '2021-06-01' } };
    const found = problems('referral', doc).find((p) => p.expression === 'referredAt');
    expect(found?.text).toMatch(/before the person was born/);
  });

  it('refuses a contact dated before the person was born', () => {
    const base = outcomeNoteDoc('REF-1');
    const doc = {
      ...base,
      patient: { ...base.patient, birthDate: '2025-06-01' },
      contact: { ...base.contact, date: '2025-05-31T10:00:00Z' },
    };
    expect(expressions('outcome-note', doc)).toContain('contact.date');
  });
});

describe('URIs', () => {
  it.each([
    ['plain http', 'http://casebook.example.org'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/plain,hello'],
    ['a space', 'https://case book.example.org'],
    ['not a URI', 'casebook'],
  ])('refuses a source system with %s', (_label, system) => {
    const base = referralDoc();
    const doc = { ...base, source: { ...base.source, system } };
    const found = problems('referral', doc).find((p) => p.expression === 'source.system');
    expect(found?.text).toMatch(/https URL/);
  });

  it('accepts an https source system', () => {
    const base = referralDoc();
    const doc = { ...base, source: { ...base.source, system: 'https://other-casebook.example.org/records' } };
    expect(expressions('referral', doc)).not.toContain('source.system');
  });
});

describe('control characters', () => {
  it.each([
    ['NUL', '\u0000'],
    ['bell', '\u0007'],
    ['escape', '\u001b'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
  ])('refuses %s inside a text field', (_label, char) => {
    const doc = referralDoc({ note: `Lives alone${char} since spring` });
    const found = problems('referral', doc).find((p) => p.expression === 'note');
    expect(found?.text).toMatch(/control characters/);
  });

  it('keeps line breaks and tabs, which notes use', () => {
    const doc = referralDoc({ note: 'First line\nSecond line\r\n\tindented' });
    expect(expressions('referral', doc)).not.toContain('note');
  });
});

describe('NHS numbers', () => {
  it.each(['0000000000', '1111111111'])('refuses %s, which passes modulus 11 but is never issued', (nhsNumber) => {
    expect(isValidNhsNumber(nhsNumber)).toBe(true);
    expect(isIssuableNhsNumber(nhsNumber)).toBe(false);
    const base = referralDoc();
    const doc = { ...base, patient: { ...base.patient, nhsNumber } };
    const found = problems('referral', doc).find((p) => p.expression === 'patient.nhsNumber');
    expect(found?.text).toMatch(/never issued|ever issued/);
  });

  it('accepts an issued test-range number', () => {
    expect(isIssuableNhsNumber('9434765919')).toBe(true);
  });
});

describe('the referrer', () => {
  it('may be left out of a self-referral', () => {
    const doc: Partial<ReferralMessage> = referralDoc({ method: 'self' });
    delete doc.referrer;
    expect(problems('referral', doc)).toEqual([]);
  });

  it('is refused on a self-referral, which has no referrer', () => {
    const doc = referralDoc({ method: 'self' });
    expect(expressions('referral', doc)).toContain('referrer');
  });

  it('is required when a GP referred', () => {
    const doc: Partial<ReferralMessage> = referralDoc({ method: 'gp' });
    delete doc.referrer;
    const found = problems('referral', doc).find((p) => p.expression === 'referrer');
    expect(found?.text).toMatch(/required when the method is gp/);
  });
});
