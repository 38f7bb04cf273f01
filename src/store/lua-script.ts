/**
 * A typed handle on one of the store's Lua scripts (src/store/lua/): it runs the script by its SHA-1, loading it
 * only when Redis does not know it yet (after a restart or on a new server), and checks the reply against the
 * script's declared shape, so a script and its caller can never silently disagree.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { luaSource } from './lua-loader';

export class LuaScript<Reply> {
  readonly source: string;
  readonly sha: string;

  constructor(
    readonly name: string,
    private readonly reply: z.ZodType<Reply>,
  ) {
    this.source = luaSource(name);
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<Reply> {
    const parsed = this.reply.safeParse(await this.evaluate(redis, keys, args));
    if (!parsed.success) {
      throw new Error(`Lua script ${this.name} gave an unexpected reply: ${parsed.error.message}`);
    }
    return parsed.data;
  }

  private async evaluate(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
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
