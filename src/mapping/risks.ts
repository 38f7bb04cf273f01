/**
 * Maps the risks section (PRSB §17) to one Observation per assessment, whose value says "no known risks" or
 * "risks identified" and whose components list each active risk by whom it threatens, and to one alert (Flag) per
 * risk, kept across versions by the risk's key and made inactive once the risk is resolved.
 */
import type { Flag, Observation } from '@medplum/fhirtypes';
import type { InboundMessage } from '../messages/schemas';
import type { Risk, Risks } from '../messages/sections/risks';
import type { MapContext } from './context';
import type { SectionLinks } from './sections';
import { alertIdentifier, buildAlert, senderConcept } from './alert';
import { bundleReference, recordIdentifier } from './identifiers';
import { observationBase } from './observation-parts';
import { RISK_SUBJECT_CODES, SECTION_CODES, SECTION_PROFILES } from './section-codes';
import type { AlertCategory } from './section-codes';

type Kind = InboundMessage['kind'];
type Body = InboundMessage['body'];

const ALERT_CATEGORY: Readonly<Record<Risk['to'], AlertCategory>> = {
  person: 'risk-to-person',
  'link-worker': 'risk-to-link-worker',
  others: 'risk-to-others',
};

function riskText(risk: Risk): string {
  return risk.risk.text ?? 'Risk recorded by the link worker';
}

export function riskAssessmentPart(risks: Risks): string {
  return `risks/${risks.assessedAt}`;
}

export function mapRiskAssessment(
  kind: Kind,
  body: Body,
  ctx: MapContext,
  risks: Risks,
  links: SectionLinks,
): Observation {
  const active = risks.items.filter((item) => item.status === 'active');
  const result = risks.noKnownRisks === true ? SECTION_CODES.noKnownRisks : SECTION_CODES.risksIdentified;
  const precautions = active.filter((item) => item.precautions !== undefined);
  return {
    ...observationBase(kind, body, ctx, {
      profile: SECTION_PROFILES.riskAssessment,
      part: riskAssessmentPart(risks),
      effective: risks.assessedAt,
      ...(links.encounter !== undefined ? { encounter: links.encounter } : {}),
      ...(links.referral !== undefined ? { basedOn: links.referral } : {}),
    }),
    code: { coding: [SECTION_CODES.riskAssessment], text: SECTION_CODES.riskAssessment.display },
    valueCodeableConcept: { coding: [result], text: result.display },
    ...(precautions.length > 0
      ? { note: precautions.map((item) => ({ text: `${riskText(item)}: ${item.precautions ?? ''}` })) }
      : {}),
    ...(active.length > 0
      ? {
          component: active.map((item) => ({
            code: { coding: [RISK_SUBJECT_CODES[item.to]] },
            valueCodeableConcept: senderConcept(item.risk, riskText(item)),
          })),
        }
      : {}),
  };
}

export function mapRiskAlerts(kind: Kind, body: Body, ctx: MapContext, risks: Risks, links: SectionLinks): Flag[] {
  const detail = bundleReference<Observation>(
    'Observation',
    recordIdentifier(body.source, kind, riskAssessmentPart(risks)),
  );
  return risks.items.map((item) =>
    buildAlert(body, ctx, {
      identifier: alertIdentifier(body, `risk/${item.key}`),
      category: ALERT_CATEGORY[item.to],
      // The alert is what someone about to meet the person reads, so it carries how to stay safe as well.
      code: {
        ...senderConcept(item.risk, riskText(item)),
        text: item.precautions === undefined ? riskText(item) : `${riskText(item)}. ${item.precautions}`,
      },
      active: item.status === 'active',
      start: item.identifiedAt ?? risks.assessedAt,
      ...(item.status === 'resolved' ? { end: risks.assessedAt } : {}),
      detail,
      encounter: links.encounter,
      labels: [],
    }),
  );
}

export function mapRisks(
  kind: Kind,
  body: Body,
  ctx: MapContext,
  risks: Risks | undefined,
  links: SectionLinks,
): (Observation | Flag)[] {
  if (risks === undefined) {
    return [];
  }
  return [mapRiskAssessment(kind, body, ctx, risks, links), ...mapRiskAlerts(kind, body, ctx, risks, links)];
}
