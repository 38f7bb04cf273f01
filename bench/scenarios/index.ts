/**
 * Every scenario `npm run bench` runs, in order (direct reads the delivery figures, so it comes after). To add
 * one, export a Scenario from a module in this folder and add it here: one line.
 */
import type { Scenario } from '../scenario';
import { backlog } from './backlog';
import { batching } from './batching';
import { delivery } from './delivery';
import { direct } from './direct';
import { intake } from './intake';
import { intakeSteps } from './intake-steps';
import { single } from './single';
import { steady } from './steady';

export const SCENARIOS: readonly Scenario[] = [
  intake,
  intakeSteps,
  delivery,
  direct,
  batching,
  steady,
  single,
  backlog,
];
