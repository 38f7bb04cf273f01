/**
 * Automated routing to the registered practice, the way GP Connect Send Document addresses consultation reports:
 * `mex-to: GPPROVIDER_<NHS number>_<date of birth>_<surname>`. A known patient's report reaches their practice,
 * which acknowledges it. A failed lookup is accepted at send time and comes back as a MESH error report (EPL-15x)
 * in the sender's inbox. The sandbox keeps no patient details from the routing value.
 */
import type { RunningMeshSandbox } from '../../../src/sandbox/mesh';
import { CONSULT_REPORT_WORKFLOW } from '../../../src/sandbox/mesh';
import { ADAPTER, Clients, OTHER_PRACTICE, PRACTICE, rejection, startTestSandbox } from './mesh-fixtures';

// Synthetic NHS numbers from the 999 test range.
const REGISTERED = '9990000018';
const ALSO_REGISTERED = '9990000026';

let sandbox: RunningMeshSandbox;
const clients = new Clients(() => sandbox);

beforeEach(async () => {
  sandbox = await startTestSandbox({
    practices: { [PRACTICE.mailbox]: { mode: 'accept' } },
    registeredPatients: [
      { nhsNumber: REGISTERED, practice: PRACTICE.mailbox, surname: 'Testpatient' },
      { nhsNumber: ALSO_REGISTERED, practice: 'GONE0001' },
    ],
  });
});

afterEach(async () => {
  clients.closeAll();
  await sandbox.close();
});

const REPORT = Buffer.from('{"resourceType":"Bundle"}');

function sendRouted(mexTo: string, workflowId = CONSULT_REPORT_WORKFLOW) {
  return clients
    .for(ADAPTER)
    .send({ to: mexTo, workflowId, body: REPORT, localId: 'X26', subject: 'Consultation report' });
}

test("a report addressed by NHS number, date of birth and surname reaches the patient's practice", async () => {
  const sent = await sendRouted(`GPPROVIDER_${REGISTERED}_19670126_Testpatient`);

  const [arrived] = sandbox.received(PRACTICE.mailbox);
  expect(arrived).toMatchObject({ messageId: sent.messageId, to: PRACTICE.mailbox });
  // The practice took it and acknowledged it, as an accept-mode practice does.
  const adapter = clients.for(ADAPTER);
  expect(await adapter.track(sent.messageId)).toMatchObject({ status: 'acknowledged', recipient: PRACTICE.mailbox });
  expect(await adapter.inbox()).toHaveLength(2);
  // Nothing the sandbox holds repeats the patient details of the routing value.
  expect(JSON.stringify(sandbox.received(PRACTICE.mailbox))).not.toContain(REGISTERED);
  expect(JSON.stringify(await adapter.track(sent.messageId))).not.toContain(REGISTERED);
});

test.each([
  ['an unknown NHS number', `GPPROVIDER_9990000034_19670126_Testpatient`, 'EPL-153', 'NHS Number not found'],
  ['a malformed NHS number', 'GPPROVIDER_12345_19670126_Testpatient', 'EPL-152', 'Invalid NHS Number'],
  [
    'a surname that does not match',
    `GPPROVIDER_${REGISTERED}_19670126_Someoneelse`,
    'EPL-154',
    'NHS Number supplied does not match the demographics',
  ],
  ['a practice without a mailbox', `GPPROVIDER_${ALSO_REGISTERED}_19800101_Any`, 'EPL-151', 'No mailbox matched'],
])('%s is accepted, then reported back as %s', async (_case, mexTo, code, description) => {
  const sent = await sendRouted(mexTo);
  const adapter = clients.for(ADAPTER);

  const [reportId, ...others] = await adapter.inbox();
  expect(others).toEqual([]);
  const report = await adapter.download(reportId!);
  expect(report.body.length).toBe(0);
  expect(report.metadata).toMatchObject({
    messageType: 'REPORT',
    linkedMessageId: sent.messageId,
    statusSuccess: 'ERROR',
    statusCode: code,
    statusDescription: description,
    workflowId: CONSULT_REPORT_WORKFLOW,
    localId: 'X26',
  });
  expect(report.metadata.to).toBeUndefined();
  await adapter.acknowledge(reportId!);

  expect(await adapter.track(sent.messageId)).toMatchObject({
    status: 'error',
    status_success: false,
    status_code: code,
  });
  expect(sandbox.received(PRACTICE.mailbox)).toEqual([]);
  expect(sandbox.received(OTHER_PRACTICE.mailbox)).toEqual([]);
});

test('a routing value with a workflow MESH does not route is just an unknown mailbox', async () => {
  const error = await rejection(sendRouted(`GPPROVIDER_${REGISTERED}_19670126_Testpatient`, 'PATH_TEST_RESULTS'));
  expect(error).toMatchObject({ status: 417, code: '12', verdict: 'reject' });
});
