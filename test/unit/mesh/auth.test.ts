/**
 * The NHSMESH Authorization header: known inputs give the HMAC computed here, independently, with node:crypto over
 * the string the MESH API specification describes; the authenticator never repeats a nonce/count pair.
 */
import { createHmac } from 'node:crypto';
import { createMeshAuthenticator, meshAuthTimestamp, meshAuthorization } from '../../../src/delivery/mesh';

const CREDENTIALS = { mailbox: 'X26HC005', password: 'mailbox-password', sharedKey: 'environment-shared-key' };

function expectedHmac(message: string, key: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(message, 'utf8')).digest('hex');
}

describe('meshAuthorization', () => {
  test('is NHSMESH mailbox:nonce:count:timestamp:hmac with the HMAC over mailbox:nonce:count:password:timestamp', () => {
    const header = meshAuthorization({
      ...CREDENTIALS,
      nonce: 'bd0e2bd5-218e-41d0-83a9-73fdec414803',
      nonceCount: 7,
      at: new Date('2020-05-04T13:05:42Z'),
    });
    const hmac = expectedHmac(
      'X26HC005:bd0e2bd5-218e-41d0-83a9-73fdec414803:7:mailbox-password:202005041305',
      'environment-shared-key',
    );
    expect(header).toBe(`NHSMESH X26HC005:bd0e2bd5-218e-41d0-83a9-73fdec414803:7:202005041305:${hmac}`);
    expect(hmac).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a different shared key, password or count gives a different HMAC', () => {
    const base = { ...CREDENTIALS, nonce: 'n', nonceCount: 1, at: new Date('2026-01-01T00:00:00Z') };
    const hmacOf = (header: string) => header.split(':').at(-1);
    const original = hmacOf(meshAuthorization(base));
    expect(hmacOf(meshAuthorization({ ...base, sharedKey: 'other' }))).not.toBe(original);
    expect(hmacOf(meshAuthorization({ ...base, password: 'other' }))).not.toBe(original);
    expect(hmacOf(meshAuthorization({ ...base, nonceCount: 2 }))).not.toBe(original);
  });

  test('upper-cases the mailbox id, in the header and in the HMAC', () => {
    const header = meshAuthorization({
      ...CREDENTIALS,
      mailbox: 'x26hc005',
      nonce: 'n',
      nonceCount: 0,
      at: new Date('2026-03-09T08:07:00Z'),
    });
    const hmac = expectedHmac('X26HC005:n:0:mailbox-password:202603090807', 'environment-shared-key');
    expect(header).toBe(`NHSMESH X26HC005:n:0:202603090807:${hmac}`);
  });
});

describe('meshAuthTimestamp', () => {
  test.each([
    ['2020-05-04T13:05:59.999Z', '202005041305'],
    ['2026-12-31T23:59:00Z', '202612312359'],
    // The timestamp is UTC whatever the offset the date was written with.
    ['2026-06-01T00:30:00+01:00', '202605312330'],
  ])('%s → %s', (iso, expected) => {
    expect(meshAuthTimestamp(new Date(iso))).toBe(expected);
  });
});

describe('createMeshAuthenticator', () => {
  const parts = (header: string) => header.slice('NHSMESH '.length).split(':');

  test('keeps one nonce and counts up from 1, one step per header', () => {
    const nonces = ['first-nonce'];
    const authenticator = createMeshAuthenticator(CREDENTIALS, {
      now: () => new Date('2026-01-01T10:00:00Z'),
      newNonce: () => nonces.shift() ?? 'unexpected',
    });
    const headers = [authenticator.header(), authenticator.header(), authenticator.header()];
    expect(headers.map((h) => parts(h)[1])).toEqual(['first-nonce', 'first-nonce', 'first-nonce']);
    expect(headers.map((h) => parts(h)[2])).toEqual(['1', '2', '3']);
    expect(new Set(headers).size).toBe(3);
  });

  test('draws a new nonce and restarts the count after maxNonceUses', () => {
    let drawn = 0;
    const authenticator = createMeshAuthenticator(CREDENTIALS, {
      newNonce: () => `nonce-${++drawn}`,
      maxNonceUses: 2,
    });
    const seen = [1, 2, 3, 4, 5].map(() => parts(authenticator.header()).slice(1, 3).join(':'));
    expect(seen).toEqual(['nonce-1:1', 'nonce-1:2', 'nonce-2:1', 'nonce-2:2', 'nonce-3:1']);
  });

  test('uses the clock it is given, so a stale clock gives a stale timestamp', () => {
    const authenticator = createMeshAuthenticator(CREDENTIALS, { now: () => new Date('2019-02-03T04:05:06Z') });
    expect(parts(authenticator.header())[3]).toBe('201902030405');
  });

  test('draws a random UUID nonce by default, different per authenticator', () => {
    const a = parts(createMeshAuthenticator(CREDENTIALS).header())[1];
    const b = parts(createMeshAuthenticator(CREDENTIALS).header())[1];
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});
