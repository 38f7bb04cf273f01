/**
 * Runs a Lua script by its SHA-1 and loads it only when Redis does not know it yet (after a restart or on a new
 * server), so the script body is not sent with every call.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }
}

/** `{a: '1', b: '2'}` → `['a', '1', 'b', '2']`: the field/value pairs a script reads from its ARGV. */
export function fieldPairs(fields: Readonly<Record<string, string>>): string[] {
  return Object.entries(fields).flatMap(([name, value]) => [name, value]);
}
