/**
 * A short-lived lease per source record, held while one message of that record is being delivered. It keeps two
 * versions of the same record (or a redelivery racing a crashed attempt) from reading and writing the EHR at the
 * same time, which is what makes the "never overwrite a newer version" check and conditional writes race-free.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MessageKind } from '../messages/schemas';
import { sha256Hex } from '../messages/identity';
import { z } from 'zod';
import { LuaScript } from './lua-script';

/** Deletes the lease only if it is still ours (lua/release-lease.lua). */
const RELEASE = new LuaScript('release-lease', z.union([z.literal(0), z.literal(1)]));

export interface RecordRef {
  readonly kind: MessageKind;
  readonly system: string;
  readonly recordId: string;
}

export interface Lease {
  release(): Promise<void>;
}

export interface RecordLeases {
  /** Takes the record's lease for `ttlMs`, or returns undefined when another delivery holds it. */
  acquire(record: RecordRef, ttlMs: number): Promise<Lease | undefined>;
}

export function createRecordLeases(redis: Redis, prefix: string): RecordLeases {
  return {
    async acquire(record, ttlMs) {
      const key = `${prefix}:lease:${sha256Hex(`${record.kind}\n${record.system}\n${record.recordId}`)}`;
      const token = randomUUID();
      const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
      if (taken !== 'OK') {
        return undefined;
      }
      return {
        async release() {
          await RELEASE.run(redis, [key], [token]);
        },
      };
    },
  };
}
