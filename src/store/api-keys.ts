/**
 * API keys of configured clients, kept in Redis so they can be created and revoked without a restart. Only the
 * SHA-256 of a key is stored: a key is 256 random bits, so its hash cannot be reversed or guessed, and a copy of
 * Redis gives nobody a usable key. The key itself is returned once, when it is created.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface StoredApiKey {
  readonly keyId: string;
  readonly clientId: string;
  /** The roles this key grants (the client's configuration may narrow them further). */
  readonly roles: readonly string[];
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export interface CreatedApiKey {
  readonly keyId: string;
  /** The secret to hand to the client; it is not stored anywhere. */
  readonly key: string;
}

/** Recognisable in logs and secret scanners, and never mistaken for a JWT (which has dots). */
const KEY_PREFIX = 'spk_';

export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export class ApiKeyStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.base = `${prefix}:apikey`;
  }

  private record(keyId: string): string {
    return `${this.base}:id:${keyId}`;
  }

  private byHash(hash: string): string {
    return `${this.base}:hash:${hash}`;
  }

  private get index(): string {
    return `${this.base}:all`;
  }

  async create(clientId: string, roles: readonly string[], now: Date): Promise<CreatedApiKey> {
    const keyId = randomBytes(6).toString('hex');
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const hash = apiKeyHash(key);
    await this.redis
      .multi()
      .hset(this.record(keyId), { clientId, roles: roles.join(' '), createdAt: now.toISOString(), hash })
      .set(this.byHash(hash), keyId)
      .sadd(this.index, keyId)
      .exec();
    return { keyId, key };
  }

  /** The live key with this secret; undefined when unknown or revoked. */
  async find(key: string): Promise<StoredApiKey | undefined> {
    const keyId = await this.redis.get(this.byHash(apiKeyHash(key)));
    if (keyId === null) {
      return undefined;
    }
    const stored = await this.get(keyId);
    return stored?.revokedAt === undefined ? stored : undefined;
  }

  async get(keyId: string): Promise<StoredApiKey | undefined> {
    const hash = await this.redis.hgetall(this.record(keyId));
    if (hash.clientId === undefined) {
      return undefined;
    }
    return {
      keyId,
      clientId: hash.clientId,
      roles: (hash.roles ?? '').split(' ').filter(Boolean),
      createdAt: hash.createdAt ?? '',
      ...(hash.revokedAt !== undefined ? { revokedAt: hash.revokedAt } : {}),
    };
  }

  /** Every key ever created, revoked ones included, oldest first. */
  async list(): Promise<StoredApiKey[]> {
    const ids = await this.redis.smembers(this.index);
    const keys = await Promise.all(ids.map(async (id) => this.get(id)));
    return keys
      .filter((key): key is StoredApiKey => key !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.keyId.localeCompare(b.keyId));
  }

  /** Revokes a key at once: the next request presenting it is refused. False when there is no such key. */
  async revoke(keyId: string, now: Date): Promise<boolean> {
    const hash = await this.redis.hget(this.record(keyId), 'hash');
    if (hash === null) {
      return false;
    }
    await this.redis.multi().del(this.byHash(hash)).hsetnx(this.record(keyId), 'revokedAt', now.toISOString()).exec();
    return true;
  }
}
