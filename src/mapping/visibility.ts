/**
 * Security labels (meta.security) that say who may see a record: its confidentiality (v3 Confidentiality N, R or
 * V) and, when it is withheld from the person's online record access, the HL7 refrain policy NOPAT with the
 * project's reason code. A resource labelled twice keeps the stricter confidentiality and every other label.
 */
import type { Coding, Meta } from '@medplum/fhirtypes';
import type { Visibility, WithholdReason } from '../messages/sections/visibility';
import { CONFIDENTIALITY_CODES, SECTION_CODES, SECTION_SYSTEMS, WITHHOLD_REASON_DISPLAY } from './section-codes';

const CONFIDENTIALITY_RANK: Readonly<Record<string, number>> = { N: 0, R: 1, V: 2 };

function withholdLabels(reason: WithholdReason | 'safeguarding'): Coding[] {
  return [
    SECTION_CODES.noPatientDisclosure,
    { system: SECTION_SYSTEMS.withholdReason, code: reason, display: WITHHOLD_REASON_DISPLAY[reason] },
  ];
}

/** The labels a record's visibility asks for (none when the sender gave none). */
export function visibilityLabels(visibility: Visibility | undefined): Coding[] {
  if (visibility === undefined) {
    return [];
  }
  const withheld = visibility.withholdFromOnlineAccess
    ? withholdLabels(visibility.withholdReason ?? 'third-party-information')
    : [];
  return [CONFIDENTIALITY_CODES[visibility.confidentiality], ...withheld];
}

/** Safeguarding information is restricted and kept out of online access whatever the record says. */
export const SAFEGUARDING_LABELS: readonly Coding[] = [
  CONFIDENTIALITY_CODES.restricted,
  ...withholdLabels('safeguarding'),
];

function isConfidentiality(coding: Coding): boolean {
  return coding.system === SECTION_SYSTEMS.confidentiality;
}

/** The labels of both lists: the stricter of their confidentialities, then every other label once. */
export function mergeLabels(existing: readonly Coding[], added: readonly Coding[]): Coding[] {
  const all = [...existing, ...added];
  const confidentiality = all
    .filter(isConfidentiality)
    .reduce<Coding | undefined>(
      (strictest, coding) =>
        strictest === undefined ||
        (CONFIDENTIALITY_RANK[coding.code ?? ''] ?? 0) > (CONFIDENTIALITY_RANK[strictest.code ?? ''] ?? 0)
          ? coding
          : strictest,
      undefined,
    );
  const others = all
    .filter((coding) => !isConfidentiality(coding))
    .filter((coding, i, list) => list.findIndex((c) => c.system === coding.system && c.code === coding.code) === i);
  return [...(confidentiality !== undefined ? [confidentiality] : []), ...others];
}

/** The resource with the labels added to its meta (unchanged when there are none). */
export function withLabels<T extends { meta?: Meta }>(resource: T, labels: readonly Coding[]): T {
  if (labels.length === 0) {
    return resource;
  }
  const meta = resource.meta ?? {};
  return { ...resource, meta: { ...meta, security: mergeLabels(meta.security ?? [], labels) } };
}
