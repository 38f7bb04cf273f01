/**
 * An alert in the GP record (a FHIR Flag), for what anyone seeing the person must know first: a risk to the
 * person, to the link worker or to others, or a safeguarding concern. The Flag says what and since when; the
 * Observation it points to (core extension flag-detail) holds the detail.
 */
import type { CodeableConcept, Coding, Encounter, Flag, Identifier, Observation, Reference } from '@medplum/fhirtypes';
import type { InboundMessage } from '../messages/schemas';
import type { CodedConcept } from '../messages/fields';
import { SYSTEMS } from './codes';
import type { MapContext } from './context';
import { sourceIdentifier } from './identifiers';
import { linkWorkerReference } from './people';
import type { AlertCategory } from './section-codes';
import {
  ALERT_CATEGORY_DISPLAY,
  SECTION_CODES,
  SECTION_EXTENSIONS,
  SECTION_PROFILES,
  SECTION_SYSTEMS,
} from './section-codes';
import { withLabels } from './visibility';

export interface AlertContent {
  readonly identifier: Identifier;
  readonly category: AlertCategory;
  readonly code: CodeableConcept;
  readonly active: boolean;
  readonly start: string;
  readonly end?: string | undefined;
  readonly detail: Reference<Observation>;
  readonly encounter?: Reference<Encounter> | undefined;
  readonly labels: readonly Coding[];
}

/**
 * The identifier of an alert, scoped to the episode (the referral) rather than to the record that sent it, so a
 * later outcome note that resolves a risk, or closes a concern, the referral raised rewrites the same Flag.
 */
export function alertIdentifier(body: InboundMessage['body'], part: string): Identifier {
  const referralId = 'referralId' in body ? body.referralId : body.source.recordId;
  return sourceIdentifier(body.source.system, 'referral', referralId, part);
}

/** A sender's concept as a CodeableConcept: the SNOMED CT code when given (no display: none is verified), and the words. */
export function senderConcept(concept: CodedConcept, fallbackText: string): CodeableConcept {
  return {
    ...(concept.snomed !== undefined ? { coding: [{ system: SYSTEMS.snomed, code: concept.snomed }] } : {}),
    text: concept.text ?? fallbackText,
  };
}

export function buildAlert(body: InboundMessage['body'], ctx: MapContext, content: AlertContent): Flag {
  const flag: Flag = {
    resourceType: 'Flag',
    meta: { profile: [SECTION_PROFILES.alert] },
    extension: [{ url: SECTION_EXTENSIONS.flagDetail, valueReference: content.detail }],
    identifier: [content.identifier],
    status: content.active ? 'active' : 'inactive',
    category: [
      { coding: [SECTION_CODES.safety] },
      {
        coding: [
          {
            system: SECTION_SYSTEMS.alertCategory,
            code: content.category,
            display: ALERT_CATEGORY_DISPLAY[content.category],
          },
        ],
      },
    ],
    code: content.code,
    subject: ctx.patient,
    period: { start: content.start, ...(content.end !== undefined ? { end: content.end } : {}) },
    ...(content.encounter !== undefined ? { encounter: content.encounter } : {}),
    author: linkWorkerReference(body),
  };
  return withLabels(flag, content.labels);
}
