/**
 * The MESH settings of an endpoint that delivers by GP Connect Send Document: which MESH and mailbox, where the
 * mailbox password and the environment's shared secret come from (the environment or files, never the
 * configuration itself), the client certificate, how long to wait for the practice's acknowledgement, which
 * referral milestones send the episode document, and whether messages from before the route was enabled count.
 */
import { z } from 'zod';
import { tlsFilesSchema } from './tls-schema';

/** The routes an endpoint can deliver by: FHIR R4 REST transactions, and GP Connect Send Document over MESH. */
export const ENDPOINT_ROUTES = ['fhir', 'mesh-send-document'] as const;
export type EndpointRoute = (typeof ENDPOINT_ROUTES)[number];

/**
 * Referral milestones that send the episode document. Closure (the referral completed or withdrawn) always does;
 * the others add earlier versions, each later one replacing the one before.
 */
export const DOCUMENT_MILESTONES = ['acceptance', 'in-progress', 'closure'] as const;
export type DocumentMilestone = (typeof DOCUMENT_MILESTONES)[number];

/**
 * Which referral messages the route looks at when it first runs for an endpoint: only those accepted once the route
 * was first enabled for it ("route-enabled", so turning it on for an endpoint with history sends no document for
 * earlier closures), or every one the ledger holds for the endpoint ("all-history").
 */
export const DOCUMENT_SEND_FROM = ['route-enabled', 'all-history'] as const;
export type DocumentSendFrom = (typeof DOCUMENT_SEND_FROM)[number];

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable');

/** A secret named by an environment variable or a file holding it; never the secret itself. */
const secretSource = z
  .strictObject({ env: envName.optional(), file: z.string().min(1).optional() })
  .refine((source) => (source.env === undefined) !== (source.file === undefined), {
    message: 'give either env (an environment variable) or file (a file holding the secret), not both',
  });

export type SecretSource = z.infer<typeof secretSource>;

export const meshSettingsSchema = z
  .strictObject({
    /** The MESH host, e.g. https://msg.intspineservices.nhs.uk; "sandbox" means the embedded MESH sandbox. */
    baseUrl: z.union([z.literal('sandbox'), z.url()]).default('sandbox'),
    /** The adapter's MESH mailbox id. */
    mailbox: z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'a MESH mailbox id: letters and digits, at most 20'),
    /** The mailbox password; not needed for the embedded sandbox, which knows its own. */
    password: secretSource.optional(),
    /** The MESH environment's shared secret, used with the password in the NHSMESH authorisation header. */
    sharedSecret: secretSource.optional(),
    /** Client certificate for mutual TLS; live MESH refuses connections without one. */
    tls: tlsFilesSchema.optional(),
    /** How long to wait for the practice's business acknowledgement after a document was sent. */
    ackTimeoutMs: z
      .int()
      .min(1000)
      .default(24 * 60 * 60 * 1000),
    /** How many times a document with no acknowledgement in time is sent again before it fails with that reason. */
    ackTimeoutResends: z.int().min(0).max(10).default(1),
    /** How often the inbox is read for acknowledgements (and overdue ones looked for). */
    pollIntervalMs: z.int().min(200).default(60_000),
    /** Timeout of one HTTP request to MESH. */
    requestTimeoutMs: z.int().min(100).default(30_000),
    /** The milestones that send the episode document; closure is always one of them. */
    milestones: z.array(z.enum(DOCUMENT_MILESTONES)).min(1).default(['closure']),
    /** Where the first look for milestones starts: messages accepted since the route was first enabled, or all. */
    sendFrom: z
      .enum(DOCUMENT_SEND_FROM, {
        message:
          'must be "route-enabled" (only messages accepted once the route was first enabled for the endpoint) or ' +
          '"all-history" (every earlier message of the endpoint too)',
      })
      .default('route-enabled'),
    /** The sending organisation's telephone number, shown to the practice in the document's header. */
    senderTelephone: z.string().min(1).optional(),
  })
  .superRefine((mesh, ctx) => {
    if (!mesh.milestones.includes('closure')) {
      ctx.addIssue({
        code: 'custom',
        path: ['milestones'],
        message: 'must include "closure": closure always sends the document',
      });
    }
    if (mesh.baseUrl !== 'sandbox') {
      for (const key of ['password', 'sharedSecret'] as const) {
        if (mesh[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `a live MESH mailbox needs ${key} ({ "env": … } or { "file": … })`,
          });
        }
      }
      if (mesh.baseUrl.startsWith('http://')) {
        ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'a live MESH is reached over https only' });
      }
    } else if (mesh.tls !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'is not used with the embedded sandbox (plain HTTP)' });
    }
  });

export type MeshSettings = z.infer<typeof meshSettingsSchema>;
