/**
 * Comparing secrets (API keys, client secrets) in constant time, so the time an answer takes says nothing about
 * how much of a guessed key was right.
 */
import { timingSafeEqual } from 'node:crypto';

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
