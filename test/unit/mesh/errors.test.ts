/**
 * What a failed MESH answer means for delivery: transient (retry) or permanent (reject), with MESH's own code.
 */
import { MeshError } from '../../../src/delivery/mesh';
import { meshErrorFromAnswer, meshUnreachable } from '../../../src/delivery/mesh/errors';

const NOW = new Date('2026-01-01T00:00:00Z');

function answer(status: number, body: unknown = '', retryAfter?: string) {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return meshErrorFromAnswer('send', status, bytes, retryAfter, NOW);
}

describe('meshErrorFromAnswer', () => {
  test.each([408, 429, 500, 502, 503, 504])('%i is transient', (status) => {
    expect(answer(status).verdict).toBe('retry');
  });

  test.each([400, 401, 403, 404, 410, 417, 423])('%i is permanent', (status) => {
    expect(answer(status).verdict).toBe('reject');
  });

  test('a 2xx the operation did not expect is a protocol mismatch, never a success', () => {
    expect(answer(204).verdict).toBe('reject');
  });

  test('keeps MESH’s v2 error code and text', () => {
    const error = answer(417, {
      message_id: 'm',
      internal_id: 'i',
      detail: [{ event: 'SEND', code: '12', msg: 'Unregistered to address' }],
    });
    expect(error).toBeInstanceOf(MeshError);
    expect(error.code).toBe('12');
    expect(error.status).toBe(417);
    expect(error.message).toBe('MESH send answered 417: Unregistered to address');
  });

  test('names the fields of a validation error', () => {
    const error = answer(400, { detail: [{ loc: ['header', 'mex-to'], msg: 'field required', type: 'value_error' }] });
    expect(error.message).toBe('MESH send answered 400: header.mex-to: field required');
  });

  test('reads v1 error bodies too', () => {
    const error = answer(417, {
      messageID: 'm',
      errorEvent: 'SEND',
      errorCode: '17',
      errorDescription: 'Workflow ID not registered for mailbox',
    });
    expect(error.code).toBe('17');
    expect(error.message).toContain('Workflow ID not registered for mailbox');
  });

  test('carries Retry-After as milliseconds', () => {
    expect(answer(503, '', '3').retryAfterMs).toBe(3000);
    expect(answer(503, 'not json').retryAfterMs).toBeUndefined();
  });
});

describe('meshUnreachable', () => {
  test('no answer at all is transient', () => {
    const timeout = new Error('timed out');
    timeout.name = 'TimeoutError';
    expect(meshUnreachable('inbox', timeout).verdict).toBe('retry');
    expect(meshUnreachable('inbox', timeout).message).toBe(
      'MESH inbox could not reach the server: no answer before the request timeout',
    );
    expect(meshUnreachable('inbox', new Error('connect ECONNREFUSED')).status).toBeUndefined();
  });

  test.each([
    'CERT_HAS_EXPIRED',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    'ERR_OSSL_PEM_NO_START_LINE',
  ])('a certificate or key failure (%s) is permanent', (code) => {
    const error = Object.assign(new Error('tls went wrong'), { code });
    expect(meshUnreachable('send', error)).toMatchObject({ verdict: 'reject', status: undefined });
    expect(meshUnreachable('send', error).message).toBe('MESH send failed TLS: tls went wrong');
  });

  test.each(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EPIPE'])('a network failure (%s) is transient', (code) => {
    const error = Object.assign(new Error('network went wrong'), { code });
    expect(meshUnreachable('send', error).verdict).toBe('retry');
  });
});
