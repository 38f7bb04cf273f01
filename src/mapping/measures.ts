/**
 * Maps the outcome measures taken at one contact to Observations: ONS4's four items (never summed), SWEMWBS
 * (raw total, metric score and items), WEMWBS (total and items), UCLA-3 loneliness (total and items) and the
 * EQ-5D visual analogue scale. Item values travel as components; licensed item wording is never carried.
 */
import type { Coding, Encounter, Observation, ObservationComponent, Reference } from '@medplum/fhirtypes';
import type { Measures, OutcomeNoteMessage } from '../messages/schemas';
import { CODES, PROFILES, SYSTEMS, swemwbsItemCode, ucla3ItemCode, wemwbsItemCode } from './codes';
import type { MapContext } from './context';
import { observationBase } from './observation-parts';
import { sum, swemwbsMetricScore } from './scores';

const score = (value: number): Observation['valueQuantity'] => ({
  value,
  unit: 'score',
  system: SYSTEMS.ucum,
  code: '{score}',
});

function items(values: readonly number[], code: (item: number) => Coding): ObservationComponent[] {
  return values.map((value, index) => ({ code: { coding: [code(index + 1)] }, valueInteger: value }));
}

interface MeasureSpec {
  readonly part: string;
  readonly profile: string;
  readonly code: Coding;
}

function measure(
  message: OutcomeNoteMessage,
  ctx: MapContext,
  encounter: Reference<Encounter>,
  spec: MeasureSpec,
  rest: Pick<Observation, 'valueQuantity' | 'component'>,
): Observation {
  return {
    ...observationBase('outcome-note', message, ctx, {
      profile: spec.profile,
      part: spec.part,
      effective: message.contact.date,
      encounter,
      // The scores are the person's own answers about themselves: the link worker only records them.
      performer: ctx.patient,
    }),
    category: [{ coding: [CODES.survey] }],
    code: { coding: [spec.code], text: spec.code.display },
    ...rest,
  };
}

export function mapMeasures(
  message: OutcomeNoteMessage,
  ctx: MapContext,
  encounter: Reference<Encounter>,
  measures: Measures,
): Observation[] {
  const out: Observation[] = [];
  const { ons4, swemwbs, wemwbs, ucla3, eq5dVas } = measures;
  if (ons4 !== undefined) {
    const item = (code: Coding, value: number): ObservationComponent => ({
      code: { coding: [code] },
      valueInteger: value,
    });
    // The four ONS4 items are reported separately and never summed, so the panel itself has no value.
    out.push(
      measure(
        message,
        ctx,
        encounter,
        { part: 'ons4', profile: PROFILES.ons4, code: CODES.ons4 },
        {
          component: [
            item(CODES.ons4LifeSatisfaction, ons4.lifeSatisfaction),
            item(CODES.ons4Worthwhile, ons4.worthwhile),
            item(CODES.ons4Happiness, ons4.happiness),
            item(CODES.ons4Anxiety, ons4.anxiety),
          ],
        },
      ),
    );
  }
  if (swemwbs !== undefined) {
    const raw = sum(swemwbs.items);
    out.push(
      measure(
        message,
        ctx,
        encounter,
        { part: 'swemwbs', profile: PROFILES.swemwbs, code: CODES.swemwbsScore },
        {
          valueQuantity: score(raw),
          component: [
            ...items(swemwbs.items, swemwbsItemCode),
            { code: { coding: [CODES.swemwbsMetric] }, valueQuantity: score(swemwbsMetricScore(raw)) },
          ],
        },
      ),
    );
  }
  if (wemwbs !== undefined) {
    out.push(
      measure(
        message,
        ctx,
        encounter,
        { part: 'wemwbs', profile: PROFILES.wemwbs, code: CODES.wemwbsScore },
        {
          valueQuantity: score(sum(wemwbs.items)),
          component: items(wemwbs.items, wemwbsItemCode),
        },
      ),
    );
  }
  if (ucla3 !== undefined) {
    out.push(
      measure(
        message,
        ctx,
        encounter,
        { part: 'ucla3', profile: PROFILES.ucla3, code: CODES.ucla3Score },
        {
          valueQuantity: score(sum(ucla3.items)),
          component: items(ucla3.items, ucla3ItemCode),
        },
      ),
    );
  }
  if (eq5dVas !== undefined) {
    out.push(
      measure(
        message,
        ctx,
        encounter,
        { part: 'eq5d-vas', profile: PROFILES.eq5dVas, code: CODES.eq5dVas },
        {
          valueQuantity: score(eq5dVas),
        },
      ),
    );
  }
  return out;
}
