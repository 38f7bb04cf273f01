/**
 * The link-worker service's side of a referral, as a FHIR Task (the pattern of the HL7 Gravity SDOH referral
 * workflow): the ServiceRequest stays the requester's, and this Task, owned by the link worker's organisation,
 * carries how far the service has got, why it stopped, and what it produced for the GP record.
 */
import type {
  Observation,
  Organization,
  Patient,
  Reference,
  ServiceRequest,
  Task,
  TaskOutput,
} from '@medplum/fhirtypes';
import type { ReferralMessage, ReferralStatus } from '../messages/schemas';
import { CODES, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { REFERRAL_STATUS_DISPLAY, STATUS_REASON_DISPLAY } from './display';
import { bundleReference, recordIdentifier } from './identifiers';
import { organisationReference } from './people';

/**
 * Each referral stage as a Task status. The performer writes this Task, so a referral that has reached the
 * service but not yet been answered is `received` (claimed and being considered) rather than the requester's
 * `requested`; a person's refusal is `rejected`, a withdrawal `cancelled`.
 */
export const REFERRAL_STATUS_TO_TASK: Readonly<Record<ReferralStatus, Task['status']>> = {
  received: 'received',
  accepted: 'accepted',
  declined: 'rejected',
  'in-progress': 'in-progress',
  completed: 'completed',
  withdrawn: 'cancelled',
};

/** What the service's work produced in the GP record, in the same transaction as the Task. */
export interface ReferralTaskOutputs {
  readonly nationalCoding?: Reference<Observation>;
  readonly episodeSummary?: Reference<Observation>;
}

/** The organisation that referred, or the person themselves when no professional referred. */
function requesterOf(message: ReferralMessage, ctx: MapContext): Reference<Organization | Patient> {
  return message.referrer === undefined
    ? { ...ctx.patient, display: 'Self-referral' }
    : organisationReference(message.referrer.organisation);
}

function outputsOf(outputs: ReferralTaskOutputs): TaskOutput[] {
  const listed: TaskOutput[] = [];
  if (outputs.nationalCoding !== undefined) {
    listed.push({
      type: { coding: [CODES.nationalCodingEntry], text: CODES.nationalCodingEntry.display },
      valueReference: outputs.nationalCoding,
    });
  }
  if (outputs.episodeSummary !== undefined) {
    listed.push({
      type: { coding: [CODES.episodeSummary], text: CODES.episodeSummary.display },
      valueReference: outputs.episodeSummary,
    });
  }
  return listed;
}

export function mapReferralTask(message: ReferralMessage, ctx: MapContext, outputs: ReferralTaskOutputs): Task {
  const reason = message.statusReason;
  const output = outputsOf(outputs);
  return {
    resourceType: 'Task',
    meta: { profile: [PROFILES.referralTask] },
    identifier: [recordIdentifier(message.source, 'referral', 'task')],
    status: REFERRAL_STATUS_TO_TASK[message.status],
    businessStatus: {
      coding: [
        { system: SYSTEMS.spReferralStatus, code: message.status, display: REFERRAL_STATUS_DISPLAY[message.status] },
      ],
    },
    ...(reason !== undefined
      ? {
          statusReason: {
            coding: [
              { system: SYSTEMS.spStatusReason, code: reason.code, display: STATUS_REASON_DISPLAY[reason.code] },
            ],
            text: reason.text ?? STATUS_REASON_DISPLAY[reason.code],
          },
        }
      : {}),
    intent: 'order',
    priority: message.urgency,
    code: { coding: [CODES.fulfil] },
    focus: bundleReference<ServiceRequest>('ServiceRequest', recordIdentifier(message.source, 'referral')),
    for: ctx.patient,
    authoredOn: message.referredAt,
    lastModified: message.source.sentAt,
    requester: requesterOf(message, ctx),
    owner: organisationReference(message.linkWorker.organisation),
    ...(output.length > 0 ? { output } : {}),
  };
}
