/**
 * Whether Redis can durably take a write right now, judged from INFO (never a test write, which would itself
 * fail or add load exactly when Redis is in trouble): reachable, not loading its data, not a read-only replica,
 * not refusing writes after a failed save (MISCONF), and not out of memory under noeviction.
 */
import type { Redis } from 'ioredis';

export type RedisProblem = 'unreachable' | 'loading' | 'read-only' | 'out-of-memory';

export type RedisReadiness =
  { readonly ready: true } | { readonly ready: false; readonly problem: RedisProblem; readonly reason: string };

function infoFields(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) {
      fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
  }
  return fields;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Judges the text of INFO (at least its memory, replication and persistence sections). */
export function readinessFromInfo(info: string): RedisReadiness {
  const fields = infoFields(info);
  if (fields.get('loading') === '1') {
    return { ready: false, problem: 'loading', reason: 'Redis is still loading its data set after a restart' };
  }
  if (fields.get('role') === 'slave') {
    return {
      ready: false,
      problem: 'read-only',
      reason: 'Redis is a replica and refuses writes; point REDIS_URL at the primary',
    };
  }
  // With stop-writes-on-bgsave-error (the default) a failed snapshot makes Redis refuse writes with MISCONF; a
  // failed AOF write always does.
  if (fields.get('rdb_last_bgsave_status') === 'err') {
    return {
      ready: false,
      problem: 'read-only',
      reason: 'Redis refuses writes (MISCONF): its last snapshot to disk failed; check disk space and permissions',
    };
  }
  if (fields.get('aof_last_write_status') === 'err') {
    return {
      ready: false,
      problem: 'read-only',
      reason: 'Redis refuses writes: its last append-only file write failed; check disk space and permissions',
    };
  }
  const used = Number(fields.get('used_memory') ?? '0');
  const max = Number(fields.get('maxmemory') ?? '0');
  if (max > 0 && used >= max && fields.get('maxmemory_policy') === 'noeviction') {
    return {
      ready: false,
      problem: 'out-of-memory',
      reason: `Redis is out of memory for writes (used ${megabytes(used)} of maxmemory ${megabytes(max)}, noeviction)`,
    };
  }
  return { ready: true };
}

export async function checkRedisReadiness(redis: Redis): Promise<RedisReadiness> {
  let info: string;
  try {
    info = await redis.info();
  } catch {
    return { ready: false, problem: 'unreachable', reason: 'Redis cannot be reached' };
  }
  return readinessFromInfo(info);
}
