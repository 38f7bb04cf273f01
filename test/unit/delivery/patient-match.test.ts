/**
 * The patient check before any write: the EHR's Patient found by NHS number must carry the family name and birth
 * date the message gives, compared without case, accents, spaces, hyphens or apostrophes; a mismatch fails the
 * message for good, names the fields and never their values.
 */
import type { Patient } from '@medplum/fhirtypes';
import { deliverMessage } from '../../../src/delivery/deliver-message';
import { normaliseFamilyName, patientMismatches } from '../../../src/delivery/patient-match';
import { goalDoc, referralDoc } from '../../support/fixtures';
import { MESSAGE_ID, deliveryFixture } from './fakes/delivery-fixture';
import { EHR_PATIENT, searchset } from './fakes/scripted-ehr';

const NHS = '9990000018';

function ehrPatient(name: Patient['name'], birthDate?: string): Patient {
  return { resourceType: 'Patient', id: 'p-1', name, ...(birthDate !== undefined ? { birthDate } : {}) };
}

describe('normaliseFamilyName', () => {
  test.each([
    ["O'Brien-Smith", 'obriensmith'],
    ['o’brien smith', 'obriensmith'],
    ['Zoë', 'zoe'],
    ['MÜLLER', 'muller'],
    ['  de la Cruz ', 'delacruz'],
  ])('%s → %s', (name, normalised) => {
    expect(normaliseFamilyName(name)).toBe(normalised);
  });
});

describe('patientMismatches', () => {
  const message = { nhsNumber: NHS, name: { given: 'Siobhan', family: "O'Néill" }, birthDate: '1970-02-03' };

  test('the same person written differently matches', () => {
    expect(patientMismatches(message, ehrPatient([{ family: 'ONEILL' }], '1970-02-03'))).toEqual([]);
  });

  test('any of the Patient names may carry the family name', () => {
    const names = [
      { use: 'official' as const, family: 'Walsh' },
      { use: 'maiden' as const, family: 'O Neill' },
    ];
    expect(patientMismatches(message, ehrPatient(names, '1970-02-03'))).toEqual([]);
  });

  test('a different family name and birth date are both named', () => {
    expect(patientMismatches(message, ehrPatient([{ family: 'Walsh' }], '1970-02-04'))).toEqual([
      'patient.name.family',
      'patient.birthDate',
    ]);
  });

  test('a Patient without the fields cannot confirm them', () => {
    expect(patientMismatches(message, ehrPatient(undefined))).toEqual(['patient.name.family', 'patient.birthDate']);
  });

  test('a message with only an NHS number is matched by it alone', () => {
    expect(patientMismatches({ nhsNumber: NHS }, ehrPatient([{ family: 'Walsh' }], '1999-01-01'))).toEqual([]);
  });
});

describe('delivery to a Patient who is someone else', () => {
  const other: Patient = { ...EHR_PATIENT, name: [{ family: 'Hartley', given: ['Amelia'] }], birthDate: '1948-03-14' };

  test('fails for good before anything is written, naming the fields and none of the values', async () => {
    const fixture = deliveryFixture({ script: { 'patient lookup': () => searchset([other]) } });
    const decision = await deliverMessage(MESSAGE_ID, fixture.deps);

    expect(decision.kind).toBe('failed');
    expect(fixture.ehr.steps()).toEqual(['patient lookup']);
    const [transition] = fixture.lifecycle.transitions;
    expect(transition?.name).toBe('failed');
    if (transition?.name !== 'failed') {
      return;
    }
    expect(transition.result.reason).toBe(
      "patient.name.family and patient.birthDate do not match the EHR's Patient found by NHS number",
    );
    expect(transition.result.outcome?.issue.flatMap((issue) => issue.expression ?? [])).toEqual([
      'patient.name.family',
      'patient.birthDate',
    ]);
    // The wrong person's chart is not named either.
    expect(transition.result.patientRef).toBeUndefined();
    const recorded = JSON.stringify(transition.result);
    for (const value of ['Example', 'Ada', '1952-04-11', 'Hartley', 'Amelia', '1948-03-14', NHS]) {
      expect(recorded).not.toContain(value);
    }
  });

  test('a birth date alone that differs is named alone', async () => {
    const fixture = deliveryFixture({
      script: { 'patient lookup': () => searchset([{ ...EHR_PATIENT, birthDate: '1952-04-12' }]) },
    });
    await deliverMessage(MESSAGE_ID, fixture.deps);

    const [transition] = fixture.lifecycle.transitions;
    expect(transition?.name === 'failed' ? transition.result.reason : undefined).toBe(
      "patient.birthDate does not match the EHR's Patient found by NHS number",
    );
  });

  test('the lookup asks the EHR for the name and birth date it compares', async () => {
    const fixture = deliveryFixture({ message: { kind: 'referral', body: referralDoc() } });
    await deliverMessage(MESSAGE_ID, fixture.deps);

    expect(fixture.ehr.requests[0]?.query?._elements).toBe('id,name,birthDate');
  });

  test('a goal carrying only the NHS number is delivered to the Patient found by it', async () => {
    const fixture = deliveryFixture({
      message: { kind: 'goal', body: goalDoc('REF-1') },
      script: { 'patient lookup': () => searchset([other]) },
    });

    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('delivered');
  });
});
