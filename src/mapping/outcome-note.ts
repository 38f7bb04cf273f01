/**
 * Maps an outcome note (one contact between the link worker and the person) to an Encounter for the contact and
 * Observations linked to it: the link worker's narrative note, each outcome measure taken, the person's readiness
 * to act, any barriers that stand in the way, and the record's sections it carries (risks, safeguarding concerns,
 * requests to the GP), every one labelled with the note's visibility.
 */
import type { Encounter, Flag, Observation, Reference, Task } from '@medplum/fhirtypes';
import type { OutcomeNoteMessage } from '../messages/schemas';
import { CODES, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { episodeOf } from './episode-of-care';
import { bundleReference, recordIdentifier } from './identifiers';
import { mapMeasures } from './measures';
import { mapBarriers, mapReadiness, observationBase } from './observation-parts';
import { linkWorkerReference, organisationReference, sourceVersionExtension } from './people';
import { mapRecordSections } from './sections';
import { visibilityLabels, withLabels } from './visibility';

const CONTACT_MODE_DISPLAY = { 'face-to-face': 'Face to face', telephone: 'Telephone', video: 'Video' } as const;

/** Face to face is ambulatory; telephone and video are virtual encounters in the v3 ActCode vocabulary. */
const CONTACT_MODE_CLASS = {
  'face-to-face': { system: SYSTEMS.actCode, code: 'AMB', display: 'ambulatory' },
  telephone: { system: SYSTEMS.actCode, code: 'VR', display: 'virtual' },
  video: { system: SYSTEMS.actCode, code: 'VR', display: 'virtual' },
} as const;

const PARTICIPANT_DISPLAY = {
  patient: 'The person',
  carer: 'Carer',
  'family-member': 'Family member',
  interpreter: 'Interpreter',
  'other-professional': 'Other professional',
} as const;

export function mapContact(message: OutcomeNoteMessage, ctx: MapContext): Encounter {
  const { contact } = message;
  const end = new Date(Date.parse(contact.date) + contact.durationMinutes * 60_000).toISOString();
  // The person is the Encounter's subject, not one of its participants; only those who came with them are listed.
  const others = (contact.with ?? []).filter((who) => who !== 'patient');
  return {
    resourceType: 'Encounter',
    meta: { profile: [PROFILES.contact] },
    extension: [sourceVersionExtension(message)],
    identifier: [recordIdentifier(message.source, 'outcome-note', 'contact')],
    status: 'finished',
    class: CONTACT_MODE_CLASS[contact.mode],
    type: [
      {
        coding: [{ system: SYSTEMS.spContactMode, code: contact.mode, display: CONTACT_MODE_DISPLAY[contact.mode] }],
      },
    ],
    subject: ctx.patient,
    episodeOfCare: [episodeOf(message)],
    ...(ctx.referral !== undefined ? { basedOn: [ctx.referral] } : {}),
    participant: [
      { individual: linkWorkerReference(message) },
      ...others.map((who) => ({
        type: [{ coding: [{ system: SYSTEMS.spContactParticipant, code: who, display: PARTICIPANT_DISPLAY[who] }] }],
      })),
    ],
    period: { start: contact.date, end },
    length: { value: contact.durationMinutes, unit: 'min', system: SYSTEMS.ucum, code: 'min' },
    serviceProvider: organisationReference(message.linkWorker.organisation),
  };
}

export function mapContactNote(
  message: OutcomeNoteMessage,
  ctx: MapContext,
  encounter: Reference<Encounter>,
): Observation {
  const { contact } = message;
  return {
    ...observationBase('outcome-note', message, ctx, {
      profile: PROFILES.contactNote,
      part: 'note',
      effective: contact.date,
      encounter,
    }),
    category: [{ coding: [CODES.socialHistory] }],
    code: { coding: [CODES.contactNote], text: CODES.contactNote.display },
    valueString: message.note,
    component: [
      {
        code: { coding: [CODES.contactMode] },
        valueCodeableConcept: {
          coding: [{ system: SYSTEMS.spContactMode, code: contact.mode, display: CONTACT_MODE_DISPLAY[contact.mode] }],
        },
      },
      {
        code: { coding: [CODES.contactDuration] },
        valueQuantity: { value: contact.durationMinutes, unit: 'min', system: SYSTEMS.ucum, code: 'min' },
      },
    ],
  };
}

/** Every resource of the note carries its visibility labels, so no part of it is shown where the note may not be. */
export function mapOutcomeNote(
  message: OutcomeNoteMessage,
  ctx: MapContext,
): (Encounter | Observation | Flag | Task)[] {
  const encounter = mapContact(message, ctx);
  const encounterRef = bundleReference<Encounter>(
    'Encounter',
    recordIdentifier(message.source, 'outcome-note', 'contact'),
  );
  const labels = visibilityLabels(message.visibility);
  const resources: (Encounter | Observation | Flag | Task)[] = [
    encounter,
    mapContactNote(message, ctx, encounterRef),
    ...mapMeasures(message, ctx, encounterRef, message.measures ?? {}),
    ...(message.readiness !== undefined
      ? [mapReadiness('outcome-note', message, ctx, message.readiness, { prefix: '', encounter: encounterRef })]
      : []),
    ...mapBarriers('outcome-note', message, ctx, message.barriers ?? [], {
      effective: message.contact.date,
      encounter: encounterRef,
    }),
    ...mapRecordSections({ kind: 'outcome-note', body: message }, ctx, {
      referral: ctx.referral,
      encounter: encounterRef,
    }),
  ];
  return resources.map((resource) => withLabels(resource, labels));
}
