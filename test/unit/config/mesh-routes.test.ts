/**
 * Endpoint routes and MESH settings: a wrong one stops start-up with a line naming the setting (a MESH route with no
 * mailbox, MESH settings on a FHIR-only endpoint, closure left out of the milestones, a sendFrom that is neither
 * choice, a live mailbox without its secrets), and the password and shared secret are read from the environment or a file, never shown in a message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, parseConfig } from '../../../src/config/load';

const LIVE = 'https://msg.intspineservices.nhs.uk';

function problemsOf(raw: unknown, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(raw, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

/** Endpoints with the sandbox EHR as FHIR base URL, unless their routes leave FHIR out. */
function endpoints(...list: Record<string, unknown>[]): unknown {
  return {
    endpoints: list.map((e, i) => {
      const routes = e.routes as readonly string[] | undefined;
      const fhir = routes === undefined || routes.includes('fhir') ? { baseUrl: 'sandbox' } : {};
      return { id: `e${String(i)}`, ...fhir, practices: [`P${String(i)}`], ...e };
    }),
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spfa-mesh-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('endpoint routes', () => {
  it('defaults to the FHIR route with no MESH settings', () => {
    const config = parseConfig(endpoints({}), {});
    expect(config.endpoints[0]?.routes).toEqual(['fhir']);
    expect(config.endpoints[0]?.mesh).toBeUndefined();
    expect(config.meshSecrets.size).toBe(0);
  });

  it('names the endpoint whose MESH route has no mailbox', () => {
    expect(problemsOf(endpoints({}, { routes: ['fhir', 'mesh-send-document'] }))).toEqual([
      'endpoints[1].mesh: route "mesh-send-document" needs a mesh mailbox',
    ]);
  });

  it('refuses MESH settings on an endpoint without the MESH route', () => {
    expect(problemsOf(endpoints({ mesh: { mailbox: 'SPFHIR001' } }))).toEqual([
      'endpoints[0].mesh: is only used with route "mesh-send-document": add that route or remove mesh',
    ]);
  });

  it('refuses an unknown route and a route named twice', () => {
    expect(problemsOf(endpoints({ routes: ['fax'] }))[0]).toMatch(/^endpoints\[0\]\.routes\[0\]: /);
    expect(problemsOf(endpoints({ routes: ['fhir', 'fhir'] }))).toEqual(['endpoints[0].routes: names a route twice']);
  });

  it('lets an endpoint with the MESH route alone leave out every FHIR setting', () => {
    const config = parseConfig(endpoints({ routes: ['mesh-send-document'], mesh: { mailbox: 'SPFHIR001' } }), {});
    expect(config.endpoints[0]?.baseUrl).toBeUndefined();
    expect(config.endpoints[0]?.routes).toEqual(['mesh-send-document']);
  });

  it('names the FHIR settings an endpoint without the FHIR route cannot use', () => {
    const problems = problemsOf(
      endpoints({
        routes: ['mesh-send-document'],
        mesh: { mailbox: 'SPFHIR001' },
        baseUrl: 'https://ehr.example.org/fhir',
        auth: { type: 'bearer', token: 'a-token-of-some-length' },
        auditEvents: { send: 'ehr' },
      }),
    );
    expect(problems).toEqual([
      'endpoints[0].baseUrl: is only used with route "fhir": add that route or remove it',
      'endpoints[0].auth: is only used with route "fhir": add that route or remove it',
      'endpoints[0].auditEvents.send: "ehr" writes AuditEvents to the EHR\'s FHIR server, which an endpoint without route "fhir" does not have',
    ]);
  });

  it('names the FHIR base URL the FHIR route needs', () => {
    expect(problemsOf({ endpoints: [{ id: 'e0', practices: ['P0'] }] })).toEqual([
      'endpoints[0].baseUrl: route "fhir" needs the FHIR R4 base URL of the EHR (or "sandbox")',
    ]);
  });

  it('keeps closure among the milestones', () => {
    const problems = problemsOf(
      endpoints({ routes: ['mesh-send-document'], mesh: { mailbox: 'SPFHIR001', milestones: ['acceptance'] } }),
    );
    expect(problems).toEqual([
      'endpoints[0].mesh.milestones: must include "closure": closure always sends the document',
    ]);
  });

  it('names the key of a wrong sendFrom, and starts from the route being enabled by default', () => {
    const problems = problemsOf(
      endpoints({ routes: ['mesh-send-document'], mesh: { mailbox: 'SPFHIR001', sendFrom: 'yesterday' } }),
    );
    expect(problems).toEqual([
      'endpoints[0].mesh.sendFrom: must be "route-enabled" (only messages accepted once the route was first enabled ' +
        'for the endpoint) or "all-history" (every earlier message of the endpoint too)',
    ]);
    const config = parseConfig(
      endpoints(
        { routes: ['mesh-send-document'], mesh: { mailbox: 'SPFHIR001' } },
        { routes: ['mesh-send-document'], mesh: { mailbox: 'SPFHIR002', sendFrom: 'all-history' } },
      ),
      {},
    );
    expect(config.endpoints.map((e) => e.mesh?.sendFrom)).toEqual(['route-enabled', 'all-history']);
  });

  it('fills the embedded sandbox defaults', () => {
    const config = parseConfig(
      endpoints({ routes: ['fhir', 'mesh-send-document'], mesh: { mailbox: 'SPFHIR001' } }),
      {},
    );
    expect(config.endpoints[0]?.mesh).toMatchObject({
      baseUrl: 'sandbox',
      mailbox: 'SPFHIR001',
      milestones: ['closure'],
      ackTimeoutResends: 1,
    });
  });
});

describe('a live MESH mailbox', () => {
  const live = (mesh: Record<string, unknown>): unknown =>
    endpoints({ routes: ['mesh-send-document'], mesh: { baseUrl: LIVE, mailbox: 'X26OT001', ...mesh } });

  it('needs its password and shared secret named', () => {
    expect(problemsOf(live({}))).toEqual([
      'endpoints[0].mesh.password: a live MESH mailbox needs password ({ "env": … } or { "file": … })',
      'endpoints[0].mesh.sharedSecret: a live MESH mailbox needs sharedSecret ({ "env": … } or { "file": … })',
    ]);
  });

  it('is reached over https only', () => {
    const problems = problemsOf(
      live({ baseUrl: 'http://mesh.example', password: { env: 'P' }, sharedSecret: { env: 'S' } }),
      { P: 'p', S: 's' },
    );
    expect(problems).toEqual(['endpoints[0].mesh.baseUrl: a live MESH is reached over https only']);
  });

  it('reads the secrets from the environment and from files', () => {
    const file = join(dir, 'shared');
    writeFileSync(file, 'shared-SENTINEL\n');
    const config = parseConfig(live({ password: { env: 'MESH_PASSWORD' }, sharedSecret: { file } }), {
      MESH_PASSWORD: 'password-SENTINEL',
    });
    expect(config.meshSecrets.get('e0')).toEqual({ password: 'password-SENTINEL', sharedSecret: 'shared-SENTINEL' });
  });

  it('names a missing variable or file without showing any secret', () => {
    const problems = problemsOf(
      live({ password: { env: 'MESH_PASSWORD' }, sharedSecret: { file: join(dir, 'absent') } }),
      { OTHER: 'x-SENTINEL' },
    );
    expect(problems).toEqual([
      'endpoints[0].mesh.password.env: the environment variable MESH_PASSWORD is not set',
      `endpoints[0].mesh.sharedSecret.file: ${join(dir, 'absent')} cannot be read (ENOENT)`,
    ]);
  });

  it('takes a secret from one place only', () => {
    const problems = problemsOf(live({ password: { env: 'A', file: 'b' }, sharedSecret: { env: 'S' } }), { S: 's' });
    expect(problems).toEqual([
      'endpoints[0].mesh.password: give either env (an environment variable) or file (a file holding the secret), not both',
    ]);
  });
});
