/**
 * The composition root on real Redis: a command builds only what it uses (`audit verify` opens Redis and the
 * store, never the conformance checker, the queues or the endpoints), closing closes what was built, and private
 * keys are read once, by configuration loading: the key file can be gone by the time the endpoints are built.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { exportCommand, purgeCommand, verifyCommand } from '../../../src/cli/audit';
import { parseConfig } from '../../../src/config/load';
import { silentLogger } from '../../../src/observability/logger';
import { commandRoot } from '../../../src/runtime/commands';
import { createRoot } from '../../../src/runtime/root';
import { startTestAdapter } from '../../support/adapter';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

test('audit verify through the root builds Redis and the store only, and close() closes the connection', async () => {
  const prefix = uniquePrefix('root-verify');
  const config = parseConfig({ redis: { url: TEST_REDIS_URL, prefix } }, {});
  const root = commandRoot(() => config)();
  try {
    const { ledger, patientKey } = root.store();
    const code = await verifyCommand({ ledger, patientKey, out: new PassThrough(), now: root.now, who: 'ops' });
    expect(code).toBe(0);
    expect(root.built()).toEqual(['redis', 'store']);
  } finally {
    await root.close();
    await deleteKeys(prefix);
  }
});

test('the delivery roles get everything they need from the same root', async () => {
  const prefix = uniquePrefix('root-deliver');
  const root = createRoot(parseConfig({ redis: { url: TEST_REDIS_URL, prefix } }, {}), silentLogger(), {
    sandboxBaseUrl: 'http://127.0.0.1:1/fhir',
  });
  try {
    const deps = root.deliveryDeps();
    expect(deps.endpoints.get('sandbox')?.config.retry.requestTimeoutMs).toBe(30_000);
    // The endpoints' back-pressure publishes its allowed rate and concurrency, so metrics come with them; the
    // lookup caches shared between workers (resolutions) and the transaction batchers are part of delivery too.
    expect(root.built()).toEqual(['redis', 'store', 'metrics', 'endpoints', 'conformance', 'resolutions', 'batchers']);
    expect(root.endpoints().get('sandbox')?.baseUrl).toBe('http://127.0.0.1:1/fhir');
  } finally {
    await root.close();
    await deleteKeys(prefix);
  }
}, 60_000);

test('a private key is read when the configuration is loaded, not again when the endpoints are built', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spfa-root-'));
  const keyFile = join(dir, 'key.pem');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(keyFile, String(privateKey.export({ type: 'pkcs8', format: 'pem' })));
  const config = parseConfig(
    {
      redis: { url: TEST_REDIS_URL, prefix: uniquePrefix('root-keys') },
      endpoints: [
        {
          id: 'smart',
          baseUrl: 'https://ehr.example.org/fhir',
          practices: ['*'],
          auth: {
            type: 'client-credentials',
            tokenUrl: 'https://ehr.example.org/token',
            clientId: 'adapter',
            clientAuthentication: 'private_key_jwt',
            privateKeyFile: keyFile,
            keyId: 'k1',
          },
        },
      ],
    },
    {},
  );
  rmSync(dir, { recursive: true, force: true });
  const root = createRoot(config, silentLogger());
  try {
    const endpoint = root.endpoints().get('smart');
    expect(endpoint?.tokens?.tokenUrl).toBe('https://ehr.example.org/token');
    expect(config.signingKeys.for(config.endpoints[0]?.auth ?? {})?.algorithm).toBe('RS384');
  } finally {
    await root.close();
  }
});

test('audit purge and export through the root build Redis and the store only, never the checker', async () => {
  const prefix = uniquePrefix('root-export');
  const config = parseConfig({ redis: { url: TEST_REDIS_URL, prefix } }, {});
  const root = commandRoot(() => config)();
  try {
    const { ledger, patientKey } = root.store();
    const ctx = { ledger, patientKey, out: new PassThrough(), now: root.now, who: 'ops' };
    expect(await purgeCommand(ctx, { retentionDays: 30, purgeFailed: false }, true)).toBe(0);
    expect(await exportCommand(ctx, { format: 'ndjson' })).toBe(0);
    expect(root.built()).toEqual(['redis', 'store']);
  } finally {
    await root.close();
    await deleteKeys(prefix);
  }
});

test('the API role alone does not open the workers’ connection; the worker role does', async () => {
  const api = await startTestAdapter({ name: 'root-api-only', roles: { api: true, worker: false, sandbox: false } });
  try {
    expect(api.services.built()).not.toContain('workerRedis');
    expect(api.services.built()).toContain('conformance');
  } finally {
    await api.close();
  }
  const worker = await startTestAdapter({ name: 'root-worker', roles: { api: false, worker: true, sandbox: true } });
  try {
    expect(worker.services.built()).toContain('workerRedis');
  } finally {
    await worker.close();
  }
}, 60_000);
