/**
 * A client's mistakes found below the routes (Express's path decoding, the body parser's decompression, static
 * serving of the dashboard's assets) keep their 4xx status, answer an OperationOutcome with a catalogue code and
 * are logged below error level; every answer carries the security headers, and audit, admin and status answers
 * are never cached. Runs the real adapter on real Redis with its log captured.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createLogger } from '../../../src/observability/logger';
import { ERROR_CODE_SYSTEM } from '../../../src/lib/error-catalogue';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const ADMIN_KEY = 'practice-it-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const INGEST = { authorization: `Bearer ${INGEST_KEY}` };
const AUDITOR = { authorization: `Bearer ${AUDITOR_KEY}` };

interface LogLine {
  readonly level: number;
  readonly msg?: string;
}

const lines: LogLine[] = [];
let adapter: TestAdapter;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  adapter = await startTestAdapter({
    name: 'http-refusals',
    roles: { api: true, worker: false, sandbox: true },
    config: {
      http: { port: 0, apiKeys: { casebook: INGEST_KEY }, adminKeys: { 'practice-it': ADMIN_KEY } },
      audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
    },
    logger: createLogger({ level: 'debug', destination: sink }),
  });
});

afterAll(async () => {
  await adapter.close();
});

beforeEach(() => {
  lines.length = 0;
});

/** pino's level number for `error`; nothing a client did may be logged at it or above. */
const ERROR_LEVEL = 50;

function errorCodes(body: unknown): string[] {
  const outcome = body as {
    resourceType?: string;
    issue?: { details?: { coding?: { system?: string; code?: string }[] } }[];
  };
  expect(outcome.resourceType).toBe('OperationOutcome');
  return (outcome.issue ?? []).flatMap((issue) =>
    (issue.details?.coding ?? []).filter((c) => c.system === ERROR_CODE_SYSTEM).map((c) => c.code ?? ''),
  );
}

async function expectRefusal(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/fhir+json');
  expect(errorCodes(await response.json())).toEqual([code]);
  expect(lines.filter((line) => line.level >= ERROR_LEVEL)).toEqual([]);
}

/** Sends raw bytes, as fetch would decode or refuse a malformed path or encoding itself. */
async function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const url = new URL(adapter.apiUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? {} : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('malformed percent-encoding in a message id is a 400 OperationOutcome, not a 500', async () => {
  const response = await rawRequest('GET', '/v1/messages/%E0%A4%A', INGEST);
  expect(response.status).toBe(400);
  expect(String(response.headers['content-type'])).toContain('application/fhir+json');
  expect(errorCodes(response.body)).toEqual(['request-malformed']);
  expect(lines.filter((line) => line.level >= ERROR_LEVEL)).toEqual([]);
  // Logged as a refusal at info level (pino's 30), without the path it could not decode.
  const refusal = lines.find((line) => line.msg === 'request refused');
  expect(refusal?.level).toBe(30);
  expect(JSON.stringify(refusal)).not.toContain('%E0%A4%A');
});

test('a corrupt gzip body is a 400 OperationOutcome, not a 500', async () => {
  const garbage = Buffer.from('this is not gzip at all, just bytes');
  const response = await rawRequest(
    'POST',
    '/v1/referrals',
    {
      ...INGEST,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': String(garbage.length),
    },
    garbage,
  );
  expect(response.status).toBe(400);
  expect(errorCodes(response.body)).toEqual(['request-malformed']);
  expect(lines.filter((line) => line.level >= ERROR_LEVEL)).toEqual([]);
  // A well-formed gzip body is still read.
  const zipped = gzipSync(JSON.stringify(referralDoc()));
  const accepted = await rawRequest(
    'POST',
    '/v1/referrals',
    {
      ...INGEST,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': String(zipped.length),
    },
    zipped,
  );
  expect(accepted.status).toBe(202);
});

test('a missing dashboard asset is a 404 OperationOutcome', async () => {
  await expectRefusal(
    await fetch(`${adapter.apiUrl}/audit/assets/no-such-file.css`, { headers: AUDITOR }),
    404,
    'route-not-found',
  );
});

test('a path out of the dashboard assets is a 403 OperationOutcome', async () => {
  const response = await rawRequest('GET', '/audit/assets/..%2f..%2fpackage.json', AUDITOR);
  expect(response.status).toBe(403);
  expect(errorCodes(response.body)).toEqual(['request-forbidden']);
  expect(lines.filter((line) => line.level >= ERROR_LEVEL)).toEqual([]);
});

test('a POST to a dashboard asset is a 405 OperationOutcome', async () => {
  await expectRefusal(
    await fetch(`${adapter.apiUrl}/audit/assets/nhsuk-frontend.min.css`, { method: 'POST', headers: AUDITOR }),
    405,
    'method-not-allowed',
  );
});

test('every answer carries the security headers', async () => {
  for (const response of [
    await fetch(`${adapter.apiUrl}/health/live`),
    await fetch(`${adapter.apiUrl}/v1/messages/${crypto.randomUUID()}`, { headers: INGEST }),
    await fetch(`${adapter.apiUrl}/audit`, { headers: AUDITOR }),
  ]) {
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-powered-by')).toBeNull();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
  }
});

test('audit, admin and message status answers are never cached; dashboard assets may be', async () => {
  const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), INGEST);
  expect(accepted.status).toBe(202);
  const uncached = [
    await fetch(`${adapter.apiUrl}/v1/messages/${String(accepted.body.messageId)}`, { headers: INGEST }),
    await fetch(`${adapter.apiUrl}/v1/admin/messages`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }),
    await fetch(`${adapter.apiUrl}/v1/audit/messages`, { headers: AUDITOR }),
    await fetch(`${adapter.apiUrl}/audit`, { headers: AUDITOR }),
  ];
  for (const response of uncached) {
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  }
  const asset = await fetch(`${adapter.apiUrl}/audit/assets/nhsuk-frontend.min.css`, { headers: AUDITOR });
  expect(asset.status).toBe(200);
  expect(asset.headers.get('cache-control')).not.toBe('no-store');
});
