/**
 * The parts shared by every Observation the mappers write (profile, identifier, subject, performer, links to the
 * referral, its episode and the contact), and the small Observations that more than one message kind produces: readiness to
 * act and barriers to a connection.
 */
import type {
  Encounter,
  Observation,
  ObservationComponent,
  Patient,
  Reference,
  ServiceRequest,
} from '@medplum/fhirtypes';
import type { BarrierType, InboundMessage, Readiness, ReadinessLevel } from '../messages/schemas';
import { barrierTypeOf } from '../messages/sections/barriers';
import { CODES, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { BARRIER_DISPLAY, READINESS_DISPLAY } from './display';
import { episodeExtension } from './episode-of-care';
import { recordIdentifier } from './identifiers';
import { linkWorkerReference, sourceVersionExtension } from './people';
import { BARRIER_TYPE_DISPLAY, READINESS_LEVEL_DISPLAY, SECTION_CODES, SECTION_SYSTEMS } from './section-codes';

type Body = InboundMessage['body'];

export interface ObservationBaseOptions {
  readonly profile: string;
  readonly part: string;
  readonly effective: string;
  readonly encounter?: Reference<Encounter>;
  readonly focus?: Reference;
  readonly basedOn?: Reference<ServiceRequest>;
  /** Who made the observation when it is not the link worker: the person themselves, for their own scores. */
  readonly performer?: Reference<Patient>;
}

export function observationBase(
  kind: InboundMessage['kind'],
  body: Body,
  ctx: MapContext,
  options: ObservationBaseOptions,
): Omit<Observation, 'code'> {
  const basedOn = options.basedOn ?? ctx.referral;
  return {
    resourceType: 'Observation',
    meta: { profile: [options.profile] },
    extension: [sourceVersionExtension(body), episodeExtension(body)],
    identifier: [recordIdentifier(body.source, kind, options.part)],
    ...(basedOn !== undefined ? { basedOn: [basedOn] } : {}),
    status: 'final',
    subject: ctx.patient,
    ...(options.focus !== undefined ? { focus: [options.focus] } : {}),
    ...(options.encounter !== undefined ? { encounter: options.encounter } : {}),
    effectiveDateTime: options.effective,
    performer: [options.performer ?? linkWorkerReference(body)],
  };
}

/** Each assessment keeps its own Observation (keyed on when it was made), so readiness is recorded over time. */
export function readinessPart(prefix: string, readiness: Readiness): string {
  return `${prefix}readiness/${readiness.assessedAt}`;
}

function levelComponent(code: typeof SECTION_CODES.readinessMotivation, level: ReadinessLevel): ObservationComponent {
  return {
    code: { coding: [code] },
    valueCodeableConcept: {
      coding: [{ system: SECTION_SYSTEMS.readinessLevel, code: level, display: READINESS_LEVEL_DISPLAY[level] }],
    },
  };
}

/** Motivation and capacity, the two parts of readiness, as components beside the stage of change. */
function readinessComponents(readiness: Readiness): ObservationComponent[] {
  return [
    ...(readiness.motivation !== undefined
      ? [levelComponent(SECTION_CODES.readinessMotivation, readiness.motivation)]
      : []),
    ...(readiness.capacity !== undefined ? [levelComponent(SECTION_CODES.readinessCapacity, readiness.capacity)] : []),
  ];
}

export function mapReadiness(
  kind: InboundMessage['kind'],
  body: Body,
  ctx: MapContext,
  readiness: Readiness,
  about: { readonly prefix: string; readonly focus?: Reference; readonly encounter?: Reference<Encounter> },
): Observation {
  const components = readinessComponents(readiness);
  return {
    ...observationBase(kind, body, ctx, {
      profile: PROFILES.readiness,
      part: readinessPart(about.prefix, readiness),
      effective: readiness.assessedAt,
      ...(about.focus !== undefined ? { focus: about.focus } : {}),
      ...(about.encounter !== undefined ? { encounter: about.encounter } : {}),
    }),
    category: [{ coding: [CODES.socialHistory] }],
    code: { coding: [CODES.readiness], text: CODES.readiness.display },
    valueCodeableConcept: {
      coding: [{ system: SYSTEMS.spReadiness, code: readiness.stage, display: READINESS_DISPLAY[readiness.stage] }],
    },
    ...(readiness.note !== undefined ? { note: [{ text: readiness.note }] } : {}),
    ...(components.length > 0 ? { component: components } : {}),
  };
}

export interface BarrierInput {
  readonly code: keyof typeof BARRIER_DISPLAY;
  readonly type?: BarrierType | undefined;
  readonly text?: string | undefined;
}

export function mapBarriers(
  kind: InboundMessage['kind'],
  body: Body,
  ctx: MapContext,
  barriers: readonly BarrierInput[],
  about: { readonly effective: string; readonly focus?: Reference; readonly encounter?: Reference<Encounter> },
): Observation[] {
  return barriers.map((barrier, index) => ({
    ...observationBase(kind, body, ctx, {
      profile: PROFILES.barrier,
      part: `barrier/${index + 1}`,
      effective: about.effective,
      ...(about.focus !== undefined ? { focus: about.focus } : {}),
      ...(about.encounter !== undefined ? { encounter: about.encounter } : {}),
    }),
    category: [{ coding: [CODES.socialHistory] }],
    code: { coding: [CODES.barrier], text: CODES.barrier.display },
    valueCodeableConcept: {
      coding: [{ system: SYSTEMS.spBarrier, code: barrier.code, display: BARRIER_DISPLAY[barrier.code] }],
      ...(barrier.text !== undefined ? { text: barrier.text } : {}),
    },
    component: [
      {
        code: { coding: [SECTION_CODES.barrierType] },
        valueCodeableConcept: {
          coding: [
            {
              system: SECTION_SYSTEMS.barrierType,
              code: barrierTypeOf(barrier),
              display: BARRIER_TYPE_DISPLAY[barrierTypeOf(barrier)],
            },
          ],
        },
      },
    ],
  }));
}
