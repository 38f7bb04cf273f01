import { isValidNhsNumber, maskNhsNumber, normaliseNhsNumber } from '../../../src/messages/nhs-number';

describe('NHS number modulus 11 check', () => {
  test.each(['9434765919', '943 476 5919', '943-476-5919', '9990000018', '4010232137'])('%s is valid', (value) => {
    expect(isValidNhsNumber(value)).toBe(true);
  });

  test.each([
    ['9434765918', 'wrong check digit'],
    ['943476591', 'nine digits'],
    ['94347659190', 'eleven digits'],
    ['94347659a9', 'a letter'],
    ['', 'empty'],
    // 1·10 + 2·9 + 3·8 + 4·7 + 5·6 + 6·5 + 7·4 + 8·3 + 9·2 = 210; 210 mod 11 = 1; 11 − 1 = 10: never issued.
    ['1234567890', 'a check value of 10'],
  ])('%s is invalid (%s)', (value) => {
    expect(isValidNhsNumber(value)).toBe(false);
  });

  test('a check value of 11 means the check digit is 0', () => {
    // 1·10 + 6·2 = 22; 22 mod 11 = 0; 11 − 0 = 11, so the check digit must be 0.
    expect(isValidNhsNumber('1000000060')).toBe(true);
    expect(isValidNhsNumber('1000000061')).toBe(false);
  });

  test('normalising removes spaces and hyphens only', () => {
    expect(normaliseNhsNumber(' 943 476-5919 ')).toBe('9434765919');
  });

  test('masking keeps only the last four digits', () => {
    expect(maskNhsNumber('943 476 5919')).toBe('******5919');
  });
});
