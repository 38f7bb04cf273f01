/**
 * The sandbox's own check of NHSMESH headers, in process: which headers it takes as malformed, how it bounds the
 * timestamp, and that it forgets nonces only once their timestamp could no longer be accepted anyway.
 */
import { createHmac } from 'node:crypto';
import { createMeshAuthVerifier } from '../../../src/sandbox/mesh/auth';
import { checksumMatches } from '../../../src/sandbox/mesh/checksum';

const KEY = 'shared';
const PASSWORDS = new Map([['MB1', 'pw1']]);
const TWO_HOURS = 2 * 60 * 60 * 1000;

function header(timestamp: string, nonce = 'n', count = '1', mailbox = 'MB1', password = 'pw1'): string {
  const hmac = createHmac('sha256', KEY).update(`${mailbox}:${nonce}:${count}:${password}:${timestamp}`).digest('hex');
  return `NHSMESH ${mailbox}:${nonce}:${count}:${timestamp}:${hmac}`;
}

function verifierAt(clock: { now: Date }) {
  return createMeshAuthVerifier({
    sharedKey: KEY,
    passwords: PASSWORDS,
    maxClockSkewMs: TWO_HOURS,
    now: () => clock.now,
  });
}

describe('the sandbox NHSMESH check', () => {
  test('accepts a good header, for the path mailbox in any case', () => {
    const verifier = verifierAt({ now: new Date('2026-01-01T12:00:00Z') });
    expect(verifier.verify(header('202601011200'), 'mb1')).toEqual({ ok: true, mailbox: 'MB1' });
  });

  test.each([
    ['no scheme', 'MB1:n:1:202601011200:abc'],
    ['too few parts', 'NHSMESH MB1:n:202601011200:abc'],
    ['a non-numeric count', 'NHSMESH MB1:n:x:202601011200:abc'],
    ['a timestamp that is not a date', header('202602301200')],
    ['an hour out of range', header('202601012400')],
    ['a lower-case mailbox', header('202601011200', 'n', '1', 'mb1')],
  ])('takes %s as malformed', (_case, value) => {
    const verifier = verifierAt({ now: new Date('2026-01-01T12:00:00Z') });
    expect(verifier.verify(value, 'MB1')).toEqual({ ok: false, failure: 'malformed' });
  });

  test('bounds the timestamp at the skew, on both sides', () => {
    const clock = { now: new Date('2026-01-01T12:00:00Z') };
    const verifier = verifierAt(clock);
    expect(verifier.verify(header('202601011000', 'a'), 'MB1').ok).toBe(true);
    expect(verifier.verify(header('202601010959', 'b'), 'MB1')).toEqual({ ok: false, failure: 'stale-timestamp' });
    expect(verifier.verify(header('202601011400', 'c'), 'MB1').ok).toBe(true);
    expect(verifier.verify(header('202601011401', 'd'), 'MB1')).toEqual({ ok: false, failure: 'stale-timestamp' });
  });

  test('a replay is refused while its timestamp is acceptable, and by the timestamp check after that', () => {
    const clock = { now: new Date('2026-01-01T12:00:00Z') };
    const verifier = verifierAt(clock);
    const once = header('202601011200');
    expect(verifier.verify(once, 'MB1').ok).toBe(true);
    clock.now = new Date('2026-01-01T13:59:00Z');
    expect(verifier.verify(once, 'MB1')).toEqual({ ok: false, failure: 'replayed-nonce' });
    clock.now = new Date('2026-01-01T15:00:00Z');
    expect(verifier.verify(once, 'MB1')).toEqual({ ok: false, failure: 'stale-timestamp' });
  });

  test('tells an unknown mailbox from a wrong password', () => {
    const verifier = verifierAt({ now: new Date('2026-01-01T12:00:00Z') });
    expect(verifier.verify(header('202601011200', 'n', '1', 'MB2'), 'MB2')).toEqual({
      ok: false,
      failure: 'unknown-mailbox',
    });
    expect(verifier.verify(header('202601011200', 'n', '1', 'MB1', 'wrong'), 'MB1')).toEqual({
      ok: false,
      failure: 'bad-hmac',
    });
    expect(verifier.verify(undefined, 'MB1')).toEqual({ ok: false, failure: 'missing' });
  });
});

describe('the sandbox checksum check', () => {
  const body = Buffer.from('hello');
  const sha256 = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
  const md5 = '5d41402abc4b2a76b9719d911017c592';

  test.each([
    [`sha256:${sha256}`, true],
    [`SHA256:${sha256.toUpperCase()}`, true],
    [sha256, true],
    [`md5:${md5}`, true],
    [md5, true],
    [`sha256:${md5}`, false],
    [`md5:${'0'.repeat(32)}`, false],
  ])('%s → %s', (checksum, expected) => {
    expect(checksumMatches(checksum, body)).toBe(expected);
  });

  test.each(['crc32:3610a686', 'not a checksum', 'sha512:abc'])('%s is not checked', (checksum) => {
    expect(checksumMatches(checksum, body)).toBeUndefined();
  });
});
