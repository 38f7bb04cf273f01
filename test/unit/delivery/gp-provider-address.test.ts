/**
 * The MESH automated routing address of a Send Document message: GPPROVIDER_<NHS number>_<date of birth>_<surname>,
 * with the surname in capital letters only, accented letters kept as their base letter.
 */
import { gpProviderAddress } from '../../../src/delivery/send-document';
import { referralDoc } from '../../support/fixtures';

const patient = (family: string): ReturnType<typeof referralDoc>['patient'] => ({
  nhsNumber: '9990000018',
  name: { given: 'Ada', family },
  birthDate: '1952-04-11',
});

test('routes by NHS number, date of birth and the surname in capitals', () => {
  expect(gpProviderAddress(referralDoc({ patient: patient("O'Brien-Smith") }))).toBe(
    'GPPROVIDER_9990000018_19520411_OBRIENSMITH',
  );
});

test('keeps accented letters of the surname as their base letter', () => {
  expect(gpProviderAddress(referralDoc({ patient: patient('Ó Súilleabháin') }))).toBe(
    'GPPROVIDER_9990000018_19520411_OSUILLEABHAIN',
  );
});

test('has no address without the date of birth and surname MESH routes by', () => {
  expect(gpProviderAddress(referralDoc({ patient: { nhsNumber: '9990000018' } }))).toBeUndefined();
});
