/**
 * The adapter's configuration as a zod schema: every setting, its default and its limits in one place. The
 * defaults run the whole adapter on one machine: API, worker and the embedded sandbox EHR against a local Redis.
 */
import { z } from 'zod';

import { ASSERTION_ALGORITHMS } from '../lib/client-assertion';
import { ENDPOINT_ROUTES, meshSettingsSchema } from './mesh-schema';
import { tlsFilesSchema } from './tls-schema';

export const endpointAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }),
  /**
   * OAuth 2.0 client credentials grant (RFC 6749 §4.4): the adapter fetches an access token from the EHR's token
   * endpoint, caches it until shortly before it expires, and fetches a new one when the EHR answers 401 or 403.
   * The client proves who it is with a secret (client_secret_basic/_post) or, as SMART Backend Services and NHS
   * services require, with a JWT signed by its private key (private_key_jwt).
   */
  z
    .strictObject({
      type: z.literal('client-credentials'),
      tokenUrl: z.url(),
      clientId: z.string().min(1),
      /** For client_secret_basic and client_secret_post. */
      clientSecret: z.string().min(1).optional(),
      /** Space-separated scopes to ask for, e.g. "system/ServiceRequest.write system/Patient.read". */
      scope: z.string().min(1).optional(),
      /** How the client authenticates to the token endpoint: HTTP Basic (the RFC's default), form fields, or a signed JWT. */
      clientAuthentication: z
        .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
        .default('client_secret_basic'),
      /** private_key_jwt: a PEM file holding the private key (RSA for RS384, EC P-384 for ES384). */
      privateKeyFile: z.string().min(1).optional(),
      /** private_key_jwt: the name of an environment variable holding the PEM private key, instead of a file. */
      privateKeyEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')
        .optional(),
      /** private_key_jwt: the `kid` of the public key registered with the EHR (in its JWKS). */
      keyId: z.string().min(1).optional(),
      /** private_key_jwt: signing algorithm; by default RS384 for an RSA key, ES384 for a P-384 key. */
      algorithm: z.enum(ASSERTION_ALGORITHMS).optional(),
    })
    .superRefine((auth, ctx) => {
      const problem = (path: string, message: string): void => {
        ctx.addIssue({ code: 'custom', path: [path], message });
      };
      const method = auth.clientAuthentication;
      if (method === 'private_key_jwt') {
        if (auth.privateKeyFile === undefined && auth.privateKeyEnv === undefined) {
          problem('privateKeyFile', 'private_key_jwt needs privateKeyFile (or privateKeyEnv)');
        }
        if (auth.privateKeyFile !== undefined && auth.privateKeyEnv !== undefined) {
          problem('privateKeyEnv', 'give either privateKeyFile or privateKeyEnv, not both');
        }
        if (auth.keyId === undefined) {
          problem('keyId', 'private_key_jwt needs keyId, the kid of the public key registered with the EHR');
        }
        if (auth.clientSecret !== undefined) {
          problem('clientSecret', 'is not used with private_key_jwt; remove it');
        }
        return;
      }
      if (auth.clientSecret === undefined) {
        problem('clientSecret', `${method} needs clientSecret (or set clientAuthentication to private_key_jwt)`);
      }
      for (const key of ['privateKeyFile', 'privateKeyEnv', 'keyId', 'algorithm'] as const) {
        if (auth[key] !== undefined) {
          problem(key, `is only used with clientAuthentication private_key_jwt, not ${method}`);
        }
      }
    }),
]);

export const retryPolicySchema = z.strictObject({
  /** Delay before the first retry; each later retry doubles it (with jitter). */
  baseDelayMs: z.int().min(10).default(2000),
  /** No single wait between attempts exceeds this. */
  maxDelayMs: z
    .int()
    .min(10)
    .default(15 * 60 * 1000),
  /** A message still undelivered this long after it was accepted fails for good. */
  maxAgeMs: z
    .int()
    .min(1000)
    .default(72 * 60 * 60 * 1000),
  /** Timeout of one HTTP request to the EHR. */
  requestTimeoutMs: z.int().min(100).default(30_000),
});

export const auditForwardingSchema = z
  .strictObject({
    send: z.enum(['none', 'ehr', 'repository']).default('none'),
    /** FHIR R4 base URL of the audit repository (send: repository). */
    repositoryUrl: z.url().optional(),
    /** How the adapter authenticates to the audit repository; the same shapes as an endpoint's auth. */
    auth: endpointAuthSchema.optional(),
    /** Client certificate, key and CA bundle for mutual TLS to the audit repository (send: repository). */
    tls: tlsFilesSchema.optional(),
  })
  .superRefine((forwarding, ctx) => {
    if (forwarding.send === 'repository' && forwarding.repositoryUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['repositoryUrl'],
        message: 'send "repository" needs repositoryUrl, the FHIR base URL of the audit repository',
      });
    }
    if (forwarding.send !== 'repository') {
      for (const key of ['repositoryUrl', 'auth', 'tls'] as const) {
        if (forwarding[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `is only used with send "repository", not "${forwarding.send}"`,
          });
        }
      }
    }
  });

export const endpointSchema = z.strictObject({
  /** Short name used in queue names, metrics and the ledger (letters, digits, - and _). */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  /**
   * FHIR R4 base URL of the practice EHR (route "fhir"). The literal "sandbox" means the embedded sandbox. An
   * endpoint whose only route is "mesh-send-document" has no FHIR server and names none.
   */
  baseUrl: z.union([z.literal('sandbox'), z.url()]).optional(),
  /** ODS codes of the GP practices this endpoint serves; "*" serves any practice not listed elsewhere. */
  practices: z.array(z.string().min(1)).min(1),
  auth: endpointAuthSchema.default({ type: 'none' }),
  /**
   * Deliveries in flight at once to this endpoint (back-pressure lowers it while the EHR answers 429). The default
   * keeps up with 100 messages a second when a delivery takes up to 200 ms.
   */
  concurrency: z.int().min(1).max(200).default(20),
  /**
   * Most HTTP requests per second this endpoint allows, token requests included (back-pressure lowers it while the
   * EHR answers 429). The default lets out 100 messages a second at up to four requests each; set the EHR's quota.
   */
  maxRequestsPerSecond: z.number().positive().max(10_000).default(400),
  retry: retryPolicySchema.prefault({}),
  /**
   * Where the IHE BALP AuditEvents of this endpoint's deliveries are also written: nowhere (the ledger and its
   * exports only), the EHR itself, or a separate FHIR audit repository with its own URL and credentials.
   */
  auditEvents: auditForwardingSchema.prefault({}),
  /**
   * What deliveries remember of their EHR lookups (the Patient for an NHS number, the ServiceRequest for a
   * referral), so the next message for the same patient or referral needs no search: up to `maxEntries` per
   * process (0 turns it off), each for `ttlSeconds`, and `shared` through Redis by every worker.
   */
  lookupCache: z
    .strictObject({
      maxEntries: z.int().min(0).max(1_000_000).default(10_000),
      ttlSeconds: z.int().min(1).max(86_400).default(300),
      shared: z.boolean().default(true),
    })
    .prefault({}),
  /**
   * How a closing referral reads the patient's goals, plans and connections from the EHR: `pageSize` per search
   * page (`_count`), following the searchset's `next` links for up to `maxPages` pages per resource type. More
   * than that fails the delivery with a reason rather than leave some of the episode's parts open.
   */
  episodeParts: z
    .strictObject({
      pageSize: z.int().min(1).max(1000).default(200),
      maxPages: z.int().min(1).max(100).default(10),
    })
    .prefault({}),
  /**
   * Micro-batching (off unless set; `batch: {}` turns it on with the defaults): deliveries ready to write at the
   * same time send one transaction of up to `maxEntries` entries, each message keeping its own result. A ready
   * transaction waits up to `maxWaitMs` for others only while more deliveries are in flight; a lone one never waits.
   */
  batch: z
    .strictObject({
      maxEntries: z.int().min(2).max(1000).default(50),
      maxWaitMs: z.int().min(0).max(5000).default(20),
    })
    .optional(),
  /** How this endpoint's practices are reached: FHIR R4 REST, GP Connect Send Document over MESH, or both. */
  routes: z.array(z.enum(ENDPOINT_ROUTES)).min(1).default(['fhir']),
  /** The MESH mailbox and its settings, for the mesh-send-document route. */
  mesh: meshSettingsSchema.optional(),
  /** Client certificate, key and CA bundle for mutual TLS to the EHR (e.g. HSCN endpoints that demand one). */
  tls: tlsFilesSchema.optional(),
});

/** Every route an endpoint names has what it needs, and nothing is configured for a route it does not use. */
function checkEndpointRoutes(endpoints: readonly z.output<typeof endpointSchema>[], ctx: z.RefinementCtx): void {
  endpoints.forEach((endpoint, index) => {
    if (endpoint.routes.includes('fhir')) {
      if (endpoint.baseUrl === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'baseUrl'],
          message: 'route "fhir" needs the FHIR R4 base URL of the EHR (or "sandbox")',
        });
      }
    } else {
      // Settings of the FHIR server an endpoint without route "fhir" does not have.
      const fhirOnly: [string, boolean][] = [
        ['baseUrl', endpoint.baseUrl !== undefined],
        ['auth', endpoint.auth.type !== 'none'],
        ['tls', endpoint.tls !== undefined],
      ];
      for (const [key, given] of fhirOnly) {
        if (given) {
          ctx.addIssue({
            code: 'custom',
            path: [index, key],
            message: 'is only used with route "fhir": add that route or remove it',
          });
        }
      }
      if (endpoint.auditEvents.send === 'ehr') {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'auditEvents', 'send'],
          message:
            '"ehr" writes AuditEvents to the EHR\'s FHIR server, which an endpoint without route "fhir" does not have',
        });
      }
    }
    const usesMesh = endpoint.routes.includes('mesh-send-document');
    if (usesMesh && endpoint.mesh === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'mesh'],
        message: 'route "mesh-send-document" needs a mesh mailbox',
      });
    }
    if (!usesMesh && endpoint.mesh !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'mesh'],
        message: 'is only used with route "mesh-send-document": add that route or remove mesh',
      });
    }
    if (new Set(endpoint.routes).size !== endpoint.routes.length) {
      ctx.addIssue({ code: 'custom', path: [index, 'routes'], message: 'names a route twice' });
    }
  });
}

/** What a client may do: `ingest` (post messages), `admin` (failed work, replay), `auditor` (audit API), `metrics`. */
export const CLIENT_ROLES = ['ingest', 'admin', 'auditor', 'metrics'] as const;

/**
 * One system that talks to the API. Its messages, their status and their conflicts belong to it alone; it may
 * submit only under its own source systems and for its own practices, and read admin and audit data of those
 * practices only. Its credentials are API keys kept hashed in Redis (`sp-fhir-adapter keys create`) or bearer
 * JWTs from the configured issuer naming it in the client claim.
 */
export const clientSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, ".", "-" and "_", at most 64'),
  /** The `source.system` URIs it may submit under; no two clients share one. */
  sourceSystems: z.array(z.string().min(1)).default([]),
  /** ODS codes of the GP practices it may submit for and read, or ["*"] for every practice. */
  practices: z.array(z.string().min(1)).min(1),
  roles: z.array(z.enum(CLIENT_ROLES)).min(1),
});

/** Bearer JWTs from an OAuth 2.0 authorisation server, verified against its JWKS. */
export const oauthSchema = z.strictObject({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  jwksUrl: z.url(),
  /** Signing algorithms accepted; anything else (and `none`) is refused. */
  algorithms: z
    .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
    .min(1)
    .default(['RS256', 'ES256']),
  /** The claim holding the configured client id. */
  clientClaim: z.string().min(1).default('client_id'),
  /** The claim holding the roles granted (an array, or a space-separated string such as `scope`). */
  rolesClaim: z.string().min(1).default('scope'),
  /** Leeway for `exp` and `nbf`, for clocks slightly apart. */
  clockToleranceSeconds: z.int().min(0).max(300).default(30),
});
/** Points allowed per window of `durationSeconds` for one client or address. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- zod's inferred schema type
function rateLimitSchema(points: number, durationSeconds: number) {
  return z
    .strictObject({
      points: z.int().min(1).default(points),
      durationSeconds: z.int().min(1).max(86_400).default(durationSeconds),
    })
    .prefault({});
}

export const configSchema = z.strictObject({
  /** The systems that may use the API, each scoped to its source systems, practices and roles. */
  clients: z
    .array(clientSchema)
    .default([])
    .superRefine((clients, ctx) => {
      const ids = new Set<string>();
      const systems = new Map<string, string>();
      clients.forEach((client, index) => {
        if (ids.has(client.id)) {
          ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `the id "${client.id}" is used twice` });
        }
        ids.add(client.id);
        client.sourceSystems.forEach((system, at) => {
          const owner = systems.get(system);
          if (owner !== undefined && owner !== client.id) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'sourceSystems', at],
              message: `already belongs to client "${owner}": a source system has one owner`,
            });
          }
          systems.set(system, client.id);
        });
      });
    }),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8080),
      /** Largest accepted request body. */
      bodyLimitBytes: z
        .int()
        .min(1024)
        .default(256 * 1024),
      /** Inbound API keys: client id → key. Empty means the API is open (local use only). */
      apiKeys: z.record(z.string().min(1), z.string().min(16)).default({}),
      /**
       * Admin API keys (admin client id → key) for /v1/admin: listing and replaying failed messages. Ingest and
       * auditor keys are refused there; with no keys configured anywhere the admin API is open (local use only).
       */
      adminKeys: z.record(z.string().min(1), z.string().min(16)).default({}),
      /** Public base URL used in links such as statusUrl; defaults to the listening address. */
      publicUrl: z.url().optional(),
      /** Accept bearer JWTs from this issuer for the configured clients. */
      oauth: oauthSchema.optional(),
      /** Start with no credentials at all on an address other than loopback (never in production). */
      allowInsecure: z.boolean().default(false),
      /**
       * Worker threads that run the intake conformance check (the worker's mapping and profile check on every
       * message) off the API's event loop; 0 runs it in the API's own thread. Each thread holds its own checker
       * (about 250 MB, as the in-process one does). See docs/performance.md for how the default was chosen.
       */
      intakeCheckThreads: z.int().min(0).max(32).default(0),
      /**
       * Which proxies in front of the API to believe about the client's address, protocol and host
       * (X-Forwarded-For, -Proto, -Host), as Express's `trust proxy`: false (none, the default), true (any),
       * a number of hops, or addresses and subnets ("loopback, 10.0.0.0/8"). Set it behind TLS termination so
       * statusUrl says https and the failed-authentication limit counts the real client's address.
       */
      trustProxy: z.union([z.boolean(), z.int().min(0), z.string().min(1)]).default(false),
      /**
       * Abuse limits, counted in Redis across every API process: requests per window for each client on ingest
       * (which includes message status), admin and audit routes, and failed authentications (unknown or missing
       * key) per remote address. Over the limit the answer is 429 with Retry-After.
       */
      rateLimits: z
        .strictObject({
          enabled: z.boolean().default(true),
          ingest: rateLimitSchema(5000, 1),
          admin: rateLimitSchema(50, 1),
          audit: rateLimitSchema(50, 1),
          failedAuth: rateLimitSchema(20, 60),
        })
        .prefault({}),
    })
    .prefault({}),
  redis: z
    .strictObject({
      url: z.string().default('redis://127.0.0.1:6379'),
      /** Prefix of every key the adapter writes. */
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.{}-]+$/)
        .default('spfa'),
    })
    .prefault({}),
  sandbox: z
    .strictObject({
      /** Run the embedded sandbox EHR inside `start`. */
      enabled: z.boolean().default(true),
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8090),
      /** Port of the embedded MESH sandbox, run when an endpoint's mesh.baseUrl is "sandbox". */
      meshPort: z.int().min(0).max(65535).default(8095),
      /**
       * Make the sandbox demand OAuth 2.0 bearer tokens from its own token endpoint (<sandbox>/auth/token), to
       * try the client-credentials endpoint auth: registered clients (client id → secret) and token lifetime.
       */
      oauth: z
        .strictObject({
          clients: z.record(z.string().min(1), z.string().min(8)).default({}),
          /**
           * Clients that authenticate with signed JWT assertions (private_key_jwt), client id → their registered
           * public key: a PEM file with the kid it is known by, or a JWKS file.
           */
          keyClients: z
            .record(
              z.string().min(1),
              z.union([
                z.strictObject({ publicKeyFile: z.string().min(1), keyId: z.string().min(1) }),
                z.strictObject({ jwksFile: z.string().min(1) }),
              ]),
            )
            .default({}),
          tokenLifetimeSeconds: z.int().min(1).default(300),
        })
        .optional(),
      /**
       * Make the sandbox behave like a Medplum server on PostgreSQL with default settings (see
       * src/sandbox/realistic.ts and docs/interop.md): entry-by-entry transactions, serialization conflicts (409) at
       * these rates, a per-client quota of FHIR interaction points per window (429 with a RateLimit header).
       */
      realistic: z
        .strictObject({
          seed: z.int().min(0).default(1),
          conflictRate: z.number().min(0).max(1).default(0.05),
          entryConflictRate: z.number().min(0).max(1).default(0.02),
          quotaPoints: z.int().min(0).default(50_000),
          quotaWindowSeconds: z.int().min(1).default(60),
        })
        .optional(),
    })
    .prefault({}),
  endpoints: z
    .array(endpointSchema)
    .min(1)
    // The sandbox practice gets FHIR writes in the sandbox EHR and, on closure, the episode PDF in the MESH sandbox.
    .prefault([
      {
        id: 'sandbox',
        baseUrl: 'sandbox',
        practices: ['*'],
        routes: ['fhir', 'mesh-send-document'],
        mesh: { baseUrl: 'sandbox', mailbox: 'SPFHIR001', pollIntervalMs: 2000 },
      },
    ])
    .superRefine(checkEndpointRoutes),
  worker: z
    .strictObject({
      /** How often the outbox is swept for accepted messages whose enqueue was never confirmed. */
      outboxSweepMs: z.int().min(100).default(5000),
      /**
       * How long a worker holds a job before it counts as crashed. A worker killed mid-delivery (kill -9, power
       * loss) loses its lock after this long, and another worker takes the job over.
       */
      lockDurationMs: z.int().min(1000).default(30_000),
      /** How often workers look for jobs whose worker crashed (lock lapsed) and take them over. */
      stalledIntervalMs: z.int().min(1000).default(30_000),
      /** How long SIGTERM waits for in-flight deliveries before returning them to the queue and exiting. */
      shutdownGraceMs: z.int().min(0).default(30_000),
    })
    .prefault({}),
  audit: z
    .strictObject({
      /** Auditors' API keys (auditor id → key) for the read-only audit API and dashboard; ingest keys do not work there. */
      apiKeys: z.record(z.string().min(1), z.string().min(16)).default({}),
      /**
       * Secret for the keyed hash (HMAC-SHA-256) of NHS numbers that lets auditors search by NHS number while the
       * ledger holds no NHS numbers. When unset, a random secret is generated once and kept in Redis.
       */
      patientKeySecret: z.string().min(32).optional(),
      /** Message bodies (patient data) of settled messages are purged this many days after receipt; unset keeps them. */
      retentionDays: z.int().min(1).optional(),
      /** Also purge bodies of messages that failed for good (otherwise they stay until replayed or settled). */
      purgeFailed: z.boolean().default(false),
      /** How often a worker runs the retention purge. */
      purgeIntervalMs: z
        .int()
        .min(1000)
        .default(60 * 60 * 1000),
      /** How often a worker hands recorded deliveries to the AuditEvent forwarding queues (endpoints' auditEvents). */
      forwardSweepMs: z.int().min(100).default(2000),
      /**
       * Days a delivered or superseded message's record (state, body, EHR outcome) stays in Redis after it settled,
       * for status reads; 0 keeps it for ever. The ledger, which reconciliation reads, is never expired.
       */
      settledMessageTtlDays: z.int().min(0).default(30),
      /**
       * HMAC key that seals the checkpoint `audit verify` continues from (docs/audit.md); without one the seal is a
       * plain SHA-256, which catches an edited checkpoint but not one rewritten by someone who can also rewrite Redis.
       */
      checkpointSecret: z.string().min(32).optional(),
    })
    .prefault({}),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ClientConfig = z.infer<typeof clientSchema>;
export type ClientRole = (typeof CLIENT_ROLES)[number];
export type OAuthConfig = z.infer<typeof oauthSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type EndpointAuth = z.infer<typeof endpointAuthSchema>;
export type AuditForwarding = z.infer<typeof auditForwardingSchema>;
