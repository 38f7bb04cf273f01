/**
 * The outcome measures of an episode as one row per score and contact, each with its change since the first time
 * that score was taken. Totals and the SWEMWBS metric score come from ../scores.ts, the same rules the FHIR
 * Observations use, so the document and the GP record never disagree.
 */
import type { Measures, OutcomeNoteMessage } from '../../messages/schemas';
import { sum, swemwbsMetricScore } from '../scores';

export interface MeasureRow {
  readonly measure: string;
  /** The contact's date-time. */
  readonly takenAt: string;
  readonly score: number;
  /** How the score reads, e.g. "19.98 (raw total 21 of 35)". */
  readonly scoreText: string;
  /** Score minus the first score of the same measure; undefined on the first. */
  readonly change: number | undefined;
}

interface Score {
  readonly measure: string;
  readonly score: number;
  readonly scoreText: string;
}

/** Scores in a fixed order, ONS4's four items each on its own (they are never summed). */
function scoresOf(measures: Measures): Score[] {
  const scores: Score[] = [];
  if (measures.swemwbs !== undefined) {
    const raw = sum(measures.swemwbs.items);
    const metric = swemwbsMetricScore(raw);
    scores.push({
      measure: 'SWEMWBS metric score (7-35)',
      score: metric,
      scoreText: `${String(metric)} (raw total ${String(raw)})`,
    });
  }
  if (measures.wemwbs !== undefined) {
    const total = sum(measures.wemwbs.items);
    scores.push({ measure: 'WEMWBS total (14-70)', score: total, scoreText: String(total) });
  }
  if (measures.ons4 !== undefined) {
    const { lifeSatisfaction, worthwhile, happiness, anxiety } = measures.ons4;
    scores.push(
      { measure: 'ONS4 life satisfaction (0-10)', score: lifeSatisfaction, scoreText: String(lifeSatisfaction) },
      { measure: 'ONS4 worthwhile (0-10)', score: worthwhile, scoreText: String(worthwhile) },
      { measure: 'ONS4 happiness (0-10)', score: happiness, scoreText: String(happiness) },
      { measure: 'ONS4 anxiety (0-10, lower is better)', score: anxiety, scoreText: String(anxiety) },
    );
  }
  if (measures.ucla3 !== undefined) {
    const total = sum(measures.ucla3.items);
    scores.push({ measure: 'UCLA-3 loneliness (3-9, lower is better)', score: total, scoreText: String(total) });
  }
  if (measures.eq5dVas !== undefined) {
    scores.push({ measure: 'EQ-5D VAS (0-100)', score: measures.eq5dVas, scoreText: String(measures.eq5dVas) });
  }
  return scores;
}

/** Rows grouped by measure (in the order above), oldest contact first within each. */
export function measureRows(notes: readonly OutcomeNoteMessage[]): MeasureRow[] {
  const byDate = [...notes].sort((a, b) => Date.parse(a.contact.date) - Date.parse(b.contact.date));
  const groups = new Map<string, MeasureRow[]>();
  for (const note of byDate) {
    if (note.measures === undefined) {
      continue;
    }
    for (const score of scoresOf(note.measures)) {
      const group = groups.get(score.measure) ?? [];
      const first = group[0];
      group.push({
        ...score,
        takenAt: note.contact.date,
        change: first === undefined ? undefined : score.score - first.score,
      });
      groups.set(score.measure, group);
    }
  }
  const order = ['SWEMWBS', 'WEMWBS', 'ONS4', 'UCLA-3', 'EQ-5D'];
  return [...groups.entries()]
    .sort(([a], [b]) => order.findIndex((p) => a.startsWith(p)) - order.findIndex((p) => b.startsWith(p)))
    .flatMap(([, rows]) => rows);
}
