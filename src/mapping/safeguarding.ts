/**
 * Maps each safeguarding concern (PRSB §5) to an Observation of the concern (what it is, who it was referred to
 * and when, whether it is still open) and an alert (Flag) active while it is open. Both are labelled restricted
 * and withheld from online access whatever the record's own visibility, as safeguarding information must be.
 */
import type { Flag, Observation } from '@medplum/fhirtypes';
import type { InboundMessage } from '../messages/schemas';
import type { SafeguardingConcern } from '../messages/sections/safeguarding';
import type { MapContext } from './context';
import type { SectionLinks } from './sections';
import { alertIdentifier, buildAlert, senderConcept } from './alert';
import { bundleReference, recordIdentifier } from './identifiers';
import { observationBase } from './observation-parts';
import { SAFEGUARDING_STATUS_DISPLAY, SECTION_CODES, SECTION_PROFILES, SECTION_SYSTEMS } from './section-codes';
import { SAFEGUARDING_LABELS, withLabels } from './visibility';

type Kind = InboundMessage['kind'];
type Body = InboundMessage['body'];

function referredTo(concern: SafeguardingConcern): string {
  const { name, role, odsCode } = concern.referredTo;
  return [name, role, odsCode === undefined ? undefined : `ODS ${odsCode}`]
    .filter((part) => part !== undefined)
    .join(', ');
}

function concernText(concern: SafeguardingConcern): string {
  return concern.concern.text ?? 'Safeguarding concern';
}

export function mapSafeguardingConcern(
  kind: Kind,
  body: Body,
  ctx: MapContext,
  concern: SafeguardingConcern,
  links: SectionLinks,
): Observation {
  const observation: Observation = {
    ...observationBase(kind, body, ctx, {
      profile: SECTION_PROFILES.safeguardingConcern,
      part: `safeguarding/${concern.key}`,
      effective: concern.raisedAt,
      ...(links.encounter !== undefined ? { encounter: links.encounter } : {}),
      ...(links.referral !== undefined ? { basedOn: links.referral } : {}),
    }),
    code: { coding: [SECTION_CODES.safeguardingConcern], text: SECTION_CODES.safeguardingConcern.display },
    valueCodeableConcept: senderConcept(concern.concern, concernText(concern)),
    component: [
      { code: { coding: [SECTION_CODES.safeguardingReferredTo] }, valueString: referredTo(concern) },
      { code: { coding: [SECTION_CODES.safeguardingReferredAt] }, valueDateTime: concern.referredAt },
      {
        code: { coding: [SECTION_CODES.safeguardingStatus] },
        valueCodeableConcept: {
          coding: [
            {
              system: SECTION_SYSTEMS.safeguardingStatus,
              code: concern.status,
              display: SAFEGUARDING_STATUS_DISPLAY[concern.status],
            },
          ],
        },
      },
    ],
    ...(concern.note !== undefined ? { note: [{ text: concern.note }] } : {}),
  };
  return withLabels(observation, SAFEGUARDING_LABELS);
}

export function mapSafeguarding(
  kind: Kind,
  body: Body,
  ctx: MapContext,
  concerns: readonly SafeguardingConcern[] | undefined,
  links: SectionLinks,
): (Observation | Flag)[] {
  return (concerns ?? []).flatMap((concern) => {
    const part = `safeguarding/${concern.key}`;
    return [
      mapSafeguardingConcern(kind, body, ctx, concern, links),
      buildAlert(body, ctx, {
        identifier: alertIdentifier(body, `${part}/alert`),
        category: 'safeguarding',
        code: {
          ...senderConcept(concern.concern, concernText(concern)),
          text: `Safeguarding concern: ${concernText(concern)}`,
        },
        active: concern.status === 'open',
        start: concern.raisedAt,
        end: concern.closedAt,
        detail: bundleReference<Observation>('Observation', recordIdentifier(body.source, kind, part)),
        encounter: links.encounter,
        labels: SAFEGUARDING_LABELS,
      }),
    ];
  });
}
