/**
 * ITK3 responses (acknowledgements) to a Send Document message: reading one into a small result, and building one
 * as a receiving practice would (for the MESH sandbox and tests). A response is an ITK-Message-Bundle whose
 * MessageHeader (event ITK008M) names the original message in `response.identifier`, says ok / transient-error /
 * fatal-error in `response.code`, and points at an OperationOutcome carrying the ITK3 response code. Codes 1xxxx
 * and 2xxxx answer the infrastructure acknowledgement, 3xxxx the business one.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { z } from 'zod';
import { nameBasedUuid } from '../../lib/name-uuid';
import { operationOutcome, outcomeIssue } from '../../lib/outcome';
import { parseWithOutcome } from '../../lib/zod-outcome';
import type { Itk3ResponseCode } from './codes';
import {
  ITK3_PROFILES,
  ITK3_RESPONSE_CODES,
  ITK3_SYSTEMS,
  MESSAGE_HANDLING_EXTENSION,
  POSITIVE_RESPONSE_CODES,
  RESPONSE_EVENT,
} from './codes';
import type { Stu3Bundle, Stu3MessageHeader, Stu3OperationOutcome, Stu3Organization } from './stu3';

export type AcknowledgementKind = 'infrastructure' | 'business';

export interface Itk3Acknowledgement {
  readonly kind: AcknowledgementKind;
  /** The MessageHeader id of the message this answers. */
  readonly inResponseTo: string;
  readonly responseCode: 'ok' | 'transient-error' | 'fatal-error';
  /** True when the response code is ok and every ITK3 code is a positive one (20013, 30001). */
  readonly positive: boolean;
  readonly codes: readonly {
    readonly code: string;
    readonly display: string | undefined;
    readonly diagnostics: string | undefined;
  }[];
  /** The SenderReference the original carried, echoed back (GPCM-SD-052). */
  readonly senderReference: string | undefined;
  /** ODS code of the responding organisation, when the response names it. */
  readonly fromOds: string | undefined;
  readonly timestamp: string;
}

export type AcknowledgementParse =
  | { readonly ok: true; readonly acknowledgement: Itk3Acknowledgement }
  | { readonly ok: false; readonly outcome: OperationOutcome };

const reference = z.looseObject({ reference: z.string() });

const messageHeaderSchema = z.looseObject({
  resourceType: z.literal('MessageHeader'),
  id: z.string().optional(),
  event: z.looseObject({ system: z.string(), code: z.literal(RESPONSE_EVENT.code) }),
  timestamp: z.string(),
  sender: reference.optional(),
  extension: z
    .array(
      z.looseObject({
        url: z.string(),
        extension: z.array(z.looseObject({ url: z.string(), valueString: z.string().optional() })).optional(),
      }),
    )
    .optional(),
  response: z.looseObject({
    identifier: z.string().min(1),
    code: z.enum(['ok', 'transient-error', 'fatal-error']),
    details: reference.optional(),
  }),
});

const operationOutcomeSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z
    .array(
      z.looseObject({
        diagnostics: z.string().optional(),
        details: z.looseObject({
          coding: z.array(z.looseObject({ system: z.string(), code: z.string(), display: z.string().optional() })),
        }),
      }),
    )
    .min(1),
});

const organizationSchema = z.looseObject({
  resourceType: z.literal('Organization'),
  identifier: z.array(z.looseObject({ system: z.string().optional(), value: z.string() })).optional(),
});

const bundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('message'),
  entry: z
    .array(z.looseObject({ fullUrl: z.string().optional(), resource: z.looseObject({ resourceType: z.string() }) }))
    .min(1),
});

function failure(text: string, expression: string): AcknowledgementParse {
  return { ok: false, outcome: operationOutcome([outcomeIssue({ code: 'invalid', text, expression })]) };
}

/** Reads an ITK3 response from a MESH message body (JSON). */
export function parseItk3Acknowledgement(body: string | Buffer): AcknowledgementParse {
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    return failure('is not JSON', '$this');
  }
  const bundle = parseWithOutcome(bundleSchema, json);
  if (!bundle.ok) {
    return { ok: false, outcome: operationOutcome(bundle.issues) };
  }
  const entries = bundle.data.entry;
  // The ITK3 MessageHeader is always the first entry of the message bundle.
  const header = parseWithOutcome(messageHeaderSchema, entries[0]?.resource, ['entry', 0, 'resource']);
  if (!header.ok) {
    return { ok: false, outcome: operationOutcome(header.issues) };
  }
  const find = (ref: string | undefined): { index: number; resource: unknown } | undefined => {
    const index = entries.findIndex((entry) => ref !== undefined && entry.fullUrl === ref);
    return index < 0 ? undefined : { index, resource: entries[index]?.resource };
  };
  const detailsRef = header.data.response.details?.reference;
  const details =
    find(detailsRef) ??
    (() => {
      const index = entries.findIndex((entry) => entry.resource.resourceType === 'OperationOutcome');
      return index < 0 ? undefined : { index, resource: entries[index]?.resource };
    })();
  if (details === undefined) {
    return failure('has no OperationOutcome with the ITK3 response code', 'entry');
  }
  const outcome = parseWithOutcome(operationOutcomeSchema, details.resource, ['entry', details.index, 'resource']);
  if (!outcome.ok) {
    return { ok: false, outcome: operationOutcome(outcome.issues) };
  }
  const codes = outcome.data.issue.flatMap((issue) =>
    issue.details.coding
      .filter((coding) => coding.system === ITK3_SYSTEMS.responseCodes)
      .map((coding) => ({ code: coding.code, display: coding.display, diagnostics: issue.diagnostics })),
  );
  if (codes.length === 0) {
    return failure(`has no code from ${ITK3_SYSTEMS.responseCodes}`, `entry[${String(details.index)}].resource.issue`);
  }
  const sender = find(header.data.sender?.reference);
  const organisation = organizationSchema.safeParse(sender?.resource);
  const handling = header.data.extension?.find((e) => e.url === MESSAGE_HANDLING_EXTENSION);
  return {
    ok: true,
    acknowledgement: {
      kind: codes.some((c) => c.code.startsWith('3')) ? 'business' : 'infrastructure',
      inResponseTo: header.data.response.identifier,
      responseCode: header.data.response.code,
      positive:
        header.data.response.code === 'ok' &&
        codes.every((c) => (POSITIVE_RESPONSE_CODES as readonly string[]).includes(c.code)),
      codes,
      senderReference: handling?.extension?.find((e) => e.url === 'SenderReference')?.valueString,
      fromOds: organisation.success
        ? organisation.data.identifier?.find((i) => i.system === ITK3_SYSTEMS.odsOrganisationCode)?.value
        : undefined,
      timestamp: header.data.timestamp,
    },
  };
}

export interface AcknowledgementInput {
  /** The MessageHeader id of the message being answered. */
  readonly inResponseTo: string;
  readonly senderReference: string;
  readonly code: Itk3ResponseCode;
  /** Context for a negative code (GPCM-SD-074); never patient details (ITK3 FHIR-BA-02). */
  readonly diagnostics?: string;
  /** The responding practice. */
  readonly responderOds: string;
  readonly responderMailbox: string;
  readonly at: Date;
}

/** An ITK3 response as a receiving practice sends it; ids are derived from what it answers and its code. */
export function buildItk3Acknowledgement(input: AcknowledgementInput): Stu3Bundle {
  const id = (part: string): string => nameBasedUuid(`itk3-response|${input.inResponseTo}|${input.code}|${part}`);
  const positive = POSITIVE_RESPONSE_CODES.includes(input.code);
  const organization: Stu3Organization = {
    resourceType: 'Organization',
    id: id('organization'),
    meta: { profile: [ITK3_PROFILES.headerOrganization] },
    identifier: [{ system: ITK3_SYSTEMS.odsOrganisationCode, value: input.responderOds }],
  };
  const outcome: Stu3OperationOutcome = {
    resourceType: 'OperationOutcome',
    id: id('outcome'),
    meta: { profile: [ITK3_PROFILES.responseOutcome] },
    issue: [
      {
        severity: positive ? 'information' : 'fatal',
        code: positive ? 'informational' : 'processing',
        details: {
          coding: [{ system: ITK3_SYSTEMS.responseCodes, code: input.code, display: ITK3_RESPONSE_CODES[input.code] }],
        },
        ...(input.diagnostics !== undefined ? { diagnostics: input.diagnostics } : {}),
      },
    ],
  };
  const header: Stu3MessageHeader = {
    resourceType: 'MessageHeader',
    id: id('message-header'),
    meta: { profile: [ITK3_PROFILES.messageHeader] },
    extension: [
      {
        url: MESSAGE_HANDLING_EXTENSION,
        extension: [
          // A response asks for no acknowledgement of itself (GPCM-SD-050, -051).
          { url: 'BusAckRequested', valueBoolean: false },
          { url: 'InfAckRequested', valueBoolean: false },
          { url: 'SenderReference', valueString: input.senderReference },
        ],
      },
    ],
    event: RESPONSE_EVENT,
    sender: { reference: `urn:uuid:${organization.id}` },
    timestamp: input.at.toISOString(),
    source: { endpoint: input.responderMailbox },
    // Every negative ITK3 code is final: resending the same message unchanged cannot succeed.
    response: {
      identifier: input.inResponseTo,
      code: positive ? 'ok' : 'fatal-error',
      details: { reference: `urn:uuid:${outcome.id}` },
    },
  };
  return {
    resourceType: 'Bundle',
    id: id('bundle'),
    meta: { profile: [ITK3_PROFILES.messageBundle] },
    identifier: { system: ITK3_SYSTEMS.uuid, value: id('bundle-identifier') },
    type: 'message',
    entry: [header, organization, outcome].map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })),
  };
}
