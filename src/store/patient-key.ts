/**
 * The keyed hash that indexes messages by NHS number without the number ever entering the ledger or an export:
 * HMAC-SHA-256 under a secret, so nobody holding the ledger alone can test the ten-digit numbers one by one. The
 * secret comes from configuration; without one, a random secret is created once (SET NX, so every process of a
 * deployment agrees) and kept in Redis beside the data it protects, which suits a single installation only.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { normaliseNhsNumber } from '../messages/nhs-number';

export type PatientKeyer = (nhsNumber: string) => Promise<string>;

export function patientKeyer(redis: Redis, secretKey: string, configured?: string): PatientKeyer {
  let secret: Promise<string> | undefined = configured === undefined ? undefined : Promise.resolve(configured);
  const load = async (): Promise<string> => {
    await redis.set(secretKey, randomBytes(32).toString('hex'), 'NX');
    const stored = await redis.get(secretKey);
    if (stored === null) {
      throw new Error('the NHS number index secret could not be stored');
    }
    return stored;
  };
  return async (nhsNumber) => {
    secret ??= load().catch((error: unknown) => {
      secret = undefined;
      throw error;
    });
    return createHmac('sha256', await secret)
      .update(normaliseNhsNumber(nhsNumber))
      .digest('hex');
  };
}
