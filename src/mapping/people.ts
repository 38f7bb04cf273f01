/**
 * References to the people and organisations named in a message. They are not resources in the GP record, so they
 * are logical references: a national identifier where one exists (SDS user id, ODS code) and a display a GP can read.
 */
import type { Extension, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import type { InboundMessage, ReferralMessage } from '../messages/schemas';
import { EXTENSIONS, SYSTEMS } from './codes';

type Envelope = Pick<ReferralMessage, 'linkWorker' | 'source'>;
type Organisation = ReferralMessage['linkWorker']['organisation'];

function organisationLabel(organisation: Organisation): string {
  return organisation.name ?? organisation.odsCode;
}

export function linkWorkerReference(message: Envelope): Reference<Practitioner> {
  const { linkWorker } = message;
  return {
    type: 'Practitioner',
    ...(linkWorker.sdsUserId !== undefined
      ? { identifier: { system: SYSTEMS.sdsUserId, value: linkWorker.sdsUserId } }
      : {}),
    display: `${linkWorker.name} (social prescribing link worker, ${organisationLabel(linkWorker.organisation)})`,
  };
}

export function organisationReference(organisation: Organisation): Reference<Organization> {
  return {
    type: 'Organization',
    identifier: { system: SYSTEMS.odsOrganisation, value: organisation.odsCode },
    display: organisationLabel(organisation),
  };
}

/** The person's GP practice, by ODS code: the owner of what the practice is asked to do. */
export function practiceReference(body: Pick<InboundMessage['body'], 'gpPractice'>): Reference<Organization> {
  return {
    type: 'Organization',
    identifier: { system: SYSTEMS.odsOrganisation, value: body.gpPractice.odsCode },
    display: `GP practice ${body.gpPractice.odsCode}`,
  };
}

export function sourceVersionExtension(message: Envelope): Extension {
  return { url: EXTENSIONS.sourceRecordVersion, valueInteger: message.source.recordVersion };
}
