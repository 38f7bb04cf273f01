/**
 * The Lua SHA-256 that chains the audit ledger, checked against Node's crypto on real Redis: padding edges
 * (55, 56, 63, 64, 119, 120 bytes), multi-byte UTF-8, binary bytes and random inputs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { luaSource } from '../../src/store/lua-loader';
import { TEST_REDIS_URL } from '../support/redis';

// The same file the ledger append includes (src/store/lua/sha256.lua), called on its own.
const SCRIPT = `${luaSource('sha256')}\nreturn sha256_hex(ARGV[1])`;

describe('sha256_hex in Redis Lua', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function luaHash(input: Buffer): Promise<string> {
    return String(await redis.eval(SCRIPT, 0, input));
  }

  it('matches the FIPS 180-4 test vectors', async () => {
    expect(await luaHash(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await luaHash(Buffer.from(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await luaHash(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('matches Node crypto at every length around the padding boundaries', async () => {
    for (let length = 0; length <= 200; length += 1) {
      const input = randomBytes(length);
      expect(await luaHash(input)).toBe(createHash('sha256').update(input).digest('hex'));
    }
  });

  it('matches Node crypto on UTF-8 text and long inputs', async () => {
    const inputs = ['é€😀 Ωμέγα'.repeat(37), 'x'.repeat(5000), randomBytes(10_000).toString('latin1')];
    for (const text of inputs) {
      const bytes = Buffer.from(text, 'utf8');
      expect(await luaHash(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});
