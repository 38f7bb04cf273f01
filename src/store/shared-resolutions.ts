/**
 * The Redis side of the EHR lookup cache (delivery/resolution-cache.ts): resolutions one worker found, readable
 * by every worker of the deployment, each expiring on its own TTL. Keys never carry an NHS number: patients are
 * keyed by the NHS number's keyed hash (patient-key.ts), referrals by a hash of their identifier.
 */
import type { Redis } from 'ioredis';
import { sha256Hex } from '../messages/identity';
import type { PatientKeyer } from './patient-key';

export type ResolutionKind = 'patient' | 'referral';

export interface SharedResolutions {
  get(endpointId: string, kind: ResolutionKind, key: string): Promise<string | undefined>;
  set(endpointId: string, kind: ResolutionKind, key: string, value: string, ttlMs: number): Promise<void>;
  delete(endpointId: string, kind: ResolutionKind, key: string): Promise<void>;
}

export function createSharedResolutions(redis: Redis, prefix: string, patientKey: PatientKeyer): SharedResolutions {
  const keyOf = async (endpointId: string, kind: ResolutionKind, key: string): Promise<string> => {
    const hashed = kind === 'patient' ? await patientKey(key) : sha256Hex(key);
    // The endpoint id is restricted to letters, digits, - and _ by the configuration schema.
    return `${prefix}:resolution:${endpointId}:${kind}:${hashed}`;
  };
  return {
    async get(endpointId, kind, key) {
      return (await redis.get(await keyOf(endpointId, kind, key))) ?? undefined;
    },
    async set(endpointId, kind, key, value, ttlMs) {
      await redis.set(await keyOf(endpointId, kind, key), value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async delete(endpointId, kind, key) {
      await redis.unlink(await keyOf(endpointId, kind, key));
    },
  };
}
