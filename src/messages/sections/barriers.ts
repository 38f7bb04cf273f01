/**
 * Which barriers are structural (in the person's circumstances: housing, transport, caring, work, cost, services
 * they cannot reach) and which are personal (in themselves: health, confidence). A link worker tackles the two
 * differently, and the research the project serves counts them apart.
 */
import type { Barrier, BarrierType } from '../schemas';

/** The type each barrier code implies; `other` implies none, so the sender says which it is. */
export const BARRIER_TYPE_OF_CODE: Readonly<Record<Barrier, BarrierType | undefined>> = {
  transport: 'structural',
  'caring-responsibilities': 'structural',
  housing: 'structural',
  finances: 'structural',
  employment: 'structural',
  language: 'structural',
  'digital-access': 'structural',
  'service-unavailable': 'structural',
  'physical-health': 'personal',
  'mental-health': 'personal',
  confidence: 'personal',
  other: undefined,
};

/** The barrier's type: the one its code implies, else the one the sender gave (intake requires it for `other`). */
export function barrierTypeOf(barrier: {
  readonly code: Barrier;
  readonly type?: BarrierType | undefined;
}): BarrierType {
  return BARRIER_TYPE_OF_CODE[barrier.code] ?? barrier.type ?? 'structural';
}
