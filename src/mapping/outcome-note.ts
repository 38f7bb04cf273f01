/**
 * Maps an outcome note to Observations: the link worker's narrative note about one contact, and one Observation
 * per outcome measure taken (ONS4's four items; SWEMWBS's seven items and raw total).
 */
import type { Observation, ObservationComponent, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { OutcomeNoteMessage } from '../messages/schemas';
import { CODES, PROFILES, SYSTEMS, swemwbsItemCode } from './codes';
import type { MapContext } from './context';
import { recordIdentifier } from './identifiers';
import { linkWorkerReference, sourceVersionExtension } from './people';

type Measures = NonNullable<OutcomeNoteMessage['measures']>;

const CONTACT_MODE_DISPLAY = { 'face-to-face': 'Face to face', telephone: 'Telephone', video: 'Video' } as const;

/** The parts every Observation from one outcome note shares. */
function observationBase(
  message: OutcomeNoteMessage,
  ctx: MapContext,
  part: string,
  profile: string,
): Omit<Observation, 'code'> {
  const basedOn: Reference<ServiceRequest>[] = ctx.referral !== undefined ? [ctx.referral] : [];
  return {
    resourceType: 'Observation',
    meta: { profile: [profile] },
    extension: [sourceVersionExtension(message)],
    identifier: [recordIdentifier(message.source, 'outcome-note', part)],
    ...(basedOn.length > 0 ? { basedOn } : {}),
    status: 'final',
    subject: ctx.patient,
    effectiveDateTime: message.contact.date,
    performer: [linkWorkerReference(message)],
  };
}

export function mapContactNote(message: OutcomeNoteMessage, ctx: MapContext): Observation {
  const { contact } = message;
  return {
    ...observationBase(message, ctx, 'note', PROFILES.contactNote),
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

export function mapOns4(
  message: OutcomeNoteMessage,
  ctx: MapContext,
  ons4: NonNullable<Measures['ons4']>,
): Observation {
  const item = (code: (typeof CODES)['ons4Anxiety'], value: number): ObservationComponent => ({
    code: { coding: [code] },
    valueInteger: value,
  });
  return {
    ...observationBase(message, ctx, 'ons4', PROFILES.ons4),
    category: [{ coding: [CODES.survey] }],
    code: { coding: [CODES.ons4], text: CODES.ons4.display },
    // The four ONS4 items are reported separately and never summed, so the panel itself has no value.
    component: [
      item(CODES.ons4LifeSatisfaction, ons4.lifeSatisfaction),
      item(CODES.ons4Worthwhile, ons4.worthwhile),
      item(CODES.ons4Happiness, ons4.happiness),
      item(CODES.ons4Anxiety, ons4.anxiety),
    ],
  };
}

export function mapSwemwbs(
  message: OutcomeNoteMessage,
  ctx: MapContext,
  swemwbs: NonNullable<Measures['swemwbs']>,
): Observation {
  const rawTotal = swemwbs.items.reduce((sum, value) => sum + value, 0);
  return {
    ...observationBase(message, ctx, 'swemwbs', PROFILES.swemwbs),
    category: [{ coding: [CODES.survey] }],
    code: { coding: [CODES.swemwbsScore], text: CODES.swemwbsScore.display },
    valueQuantity: { value: rawTotal, unit: 'score', system: SYSTEMS.ucum, code: '{score}' },
    component: swemwbs.items.map((value, index) => ({
      code: { coding: [swemwbsItemCode(index + 1)] },
      valueInteger: value,
    })),
  };
}

export function mapOutcomeNote(message: OutcomeNoteMessage, ctx: MapContext): Observation[] {
  const observations = [mapContactNote(message, ctx)];
  const measures = message.measures;
  if (measures?.ons4 !== undefined) {
    observations.push(mapOns4(message, ctx, measures.ons4));
  }
  if (measures?.swemwbs !== undefined) {
    observations.push(mapSwemwbs(message, ctx, measures.swemwbs));
  }
  return observations;
}
