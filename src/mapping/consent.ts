/**
 * Maps the person's consent to share information (PRSB §6) to an R4 Consent: a privacy consent, for the patient,
 * dated when recorded, whose provision permits the GP practice to receive the record, with a nested provision per
 * other recipient the person agreed or refused to share with. A withdrawal rewrites the same Consent as inactive,
 * its permission ending on the day it was withdrawn.
 */
import type { Consent, ConsentProvision } from '@medplum/fhirtypes';
import type { ReferralMessage } from '../messages/schemas';
import type { ConsentToShare } from '../messages/sections/consent';
import type { MapContext } from './context';
import { recordIdentifier } from './identifiers';
import { organisationReference, practiceReference } from './people';
import { CONSENT_RECIPIENT_DISPLAY, SECTION_CODES, SECTION_PROFILES } from './section-codes';

function recipientProvision(other: ConsentToShare['others'][number]): ConsentProvision {
  return {
    type: other.decision === 'given' ? 'permit' : 'deny',
    actor: [
      {
        role: { coding: [SECTION_CODES.informationRecipient] },
        reference: { display: CONSENT_RECIPIENT_DISPLAY[other.recipient] },
      },
    ],
  };
}

export function mapConsent(message: ReferralMessage, ctx: MapContext, consent: ConsentToShare): Consent {
  const withdrawn = consent.gpPractice === 'withdrawn';
  return {
    resourceType: 'Consent',
    meta: { profile: [SECTION_PROFILES.consent] },
    identifier: [recordIdentifier(message.source, 'referral', 'consent')],
    status: withdrawn ? 'inactive' : 'active',
    scope: { coding: [SECTION_CODES.privacyConsent] },
    category: [{ coding: [SECTION_CODES.releaseOfInformation] }],
    patient: ctx.patient,
    dateTime: consent.recordedAt,
    performer: [ctx.patient],
    organization: [organisationReference(message.linkWorker.organisation)],
    ...(consent.text !== undefined ? { sourceAttachment: { contentType: 'text/plain', title: consent.text } } : {}),
    // R4 asks for a policy or policy rule (ppc-1); no coded UK policy for this sharing is known, so it is named.
    policyRule: { text: "Sharing of social prescribing records with the GP practice for the person's care" },
    provision: {
      type: 'permit',
      period: withdrawn ? { end: consent.recordedAt } : { start: consent.recordedAt },
      actor: [
        {
          role: { coding: [SECTION_CODES.informationRecipient] },
          reference: practiceReference(message),
        },
      ],
      purpose: [SECTION_CODES.treatment],
      ...(consent.others.length > 0 ? { provision: consent.others.map(recipientProvision) } : {}),
    },
  };
}
