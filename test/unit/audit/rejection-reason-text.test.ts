// How a refused submission's reasons read in the CSV reconciliation and the dashboard, including the collapsed
// reasons that stand for several problems (unknown fields, or problems past the cap).
import { rejectionReasonText } from '../../../src/audit/exports';

test('each reason shows its path and code, and a collapsed one how many problems it stands for', () => {
  const text = rejectionReasonText({
    entryId: '1-0',
    at: '2026-12-01T10:00:00.000Z',
    kind: 'referral',
    client: 'casebook',
    httpStatus: 400,
    reasons: [
      { path: 'patient.nhsNumber', code: 'value' },
      { path: '$this', code: 'structure', count: 20000 },
    ],
  });
  expect(text).toBe('HTTP 400: patient.nhsNumber (value); $this (structure x20000)');
});
