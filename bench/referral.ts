/** A referral for benchmark load: one of the sandbox's synthetic patients, a record id unique to the run. */
import { SANDBOX_PATIENTS } from '../src/sandbox/seed-patients';

export function benchReferral(i: number, run: string): Record<string, unknown> {
  const patient = SANDBOX_PATIENTS[i % SANDBOX_PATIENTS.length];
  if (patient === undefined) {
    throw new Error('the sandbox has no patients');
  }
  return {
    source: {
      system: 'https://bench.example.org',
      recordId: `B-${run}-${String(i)}`,
      recordVersion: 1,
      sentAt: '2026-11-01T09:00:00Z',
    },
    patient: { nhsNumber: patient.nhsNumber },
    gpPractice: { odsCode: patient.practiceOdsCode },
    linkWorker: { name: 'Bench Worker', organisation: { odsCode: 'RX9LW' } },
    status: 'accepted',
    referredAt: '2026-11-01T08:00:00Z',
    referrer: { name: 'Dr Bench', organisation: { odsCode: patient.practiceOdsCode } },
    method: 'gp',
    reasons: [{ snomed: '422650009' }],
    urgency: 'routine',
  };
}

/** Posts one referral; resolves with the HTTP status. */
export async function postReferral(apiUrl: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${apiUrl}/v1/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}
