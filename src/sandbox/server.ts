/**
 * The sandbox EHR over HTTP: Express in front of FhirRouter and a validating in-memory repository, serving FHIR
 * R4 REST at `/fhir`. The repository can outlive the listener, so a test can take the "EHR" down and bring it back
 * on the same port with the same records.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  OperationOutcomeError,
  allOk,
  badRequest,
  contentTooLarge,
  getReferenceString,
  getStatus,
  isResource,
  notFound,
  serverError,
  unsupportedMediaType,
} from '@medplum/core';
import type { FhirRequest, FhirResponse, HttpMethod } from '@medplum/fhir-router';
import { FhirRouter } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observability/logger';
import { silentLogger } from '../observability/logger';
import { addFullUrls, addPageLinks, checkTransaction, completeBatchResponse } from './bundles';
import { buildCapabilityStatement } from './capability-statement';
import { ensureFhirDefinitionsLoaded } from '../lib/fhir-definitions';
import type { SandboxOAuth, SandboxOAuthOptions } from './oauth';
import { createSandboxOAuth } from './oauth';
import type { ScriptedAnswers } from './scripted-answers';
import { createScriptedAnswers } from './scripted-answers';
import type { EntryFailures, TransactionMode } from './entry-by-entry';
import { createEntryFailures, runEntryByEntry } from './entry-by-entry';
import type { RealisticBehaviour, RealisticOptions } from './realistic';
import { createRealisticBehaviour } from './realistic';
import { seedSandbox } from './seed-patients';
import { resolveTransactionConditionals, updatesThatCreate } from './transaction-conditionals';
import { ValidatingMemoryRepository } from './validating-repository';
import { closeServer, urlHost } from './http-server';
import { validateOperation } from './validate-operation';

export const FHIR_BASE_PATH = '/fhir';
const FHIR_CONTENT_TYPE = 'application/fhir+json';
const BODY_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];
const BODY_LIMIT = '5mb';
const METHODS: ReadonlySet<string> = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export interface SandboxAppOptions {
  readonly repository: ValidatingMemoryRepository;
  readonly logger?: Logger;
  /** Require OAuth 2.0 bearer tokens on the FHIR API and serve a token endpoint. */
  readonly oauth?: SandboxOAuth;
  /** Answers to give in place of serving the next requests. */
  readonly answers?: ScriptedAnswers;
  /** `entry-by-entry`: apply transactions one entry at a time, failing the entries `entryFailures` names. */
  readonly transactions?: TransactionMode;
  readonly entryFailures?: EntryFailures;
  /** Behave like a Medplum server on PostgreSQL (see realistic.ts); implies `entry-by-entry` transactions. */
  readonly realistic?: RealisticBehaviour;
}

export interface SandboxOptions {
  /** 0 picks a free port; the real one is in RunningSandbox.port. */
  readonly port: number;
  readonly host?: string;
  readonly logger?: Logger;
  /** Pass the repository of a stopped sandbox to restart it with the same records. */
  readonly repository?: ValidatingMemoryRepository;
  /** Seed the synthetic patients (idempotent). Defaults to true. */
  readonly seed?: boolean;
  /** Require OAuth 2.0 bearer tokens issued by the sandbox's own token endpoint (/auth/token). */
  readonly oauth?: SandboxOAuthOptions;
  /**
   * `atomic` (the default) writes a transaction all or nothing; `entry-by-entry` applies it one entry at a time
   * as some real servers do, answering 200 with each entry's status (see RunningSandbox.entryFailures).
   */
  readonly transactions?: TransactionMode;
  /**
   * Behave like a Medplum server on PostgreSQL with default settings: entry-by-entry transactions, seeded
   * serialization conflicts (409), a per-client quota answered with 429 and a `RateLimit` header, versions only in
   * resource bodies; counters at `/$sandbox/stats`.
   */
  readonly realistic?: RealisticOptions;
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:8090/fhir */
  readonly baseUrl: string;
  readonly port: number;
  readonly repository: ValidatingMemoryRepository;
  /** The token endpoint's controls, when the sandbox requires OAuth 2.0 tokens. */
  readonly oauth?: SandboxOAuth;
  /** Makes the next requests get a chosen answer (a 409 write race, a 429...) instead of being served. */
  readonly answers: ScriptedAnswers;
  /** Makes chosen entries of the next entry-by-entry transactions fail while the others are written. */
  readonly entryFailures: EntryFailures;
  /** The realistic mode's settings and counters, when it is on. */
  readonly realistic?: RealisticBehaviour;
  /** Stops listening and drops open connections, so the port is free as soon as this resolves. */
  close(): Promise<void>;
}

export function createSandboxApp(options: SandboxAppOptions): express.Application {
  ensureFhirDefinitionsLoaded();
  const logger = options.logger ?? silentLogger();
  const router = createFhirRouter();
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging(logger));
  const realistic = options.realistic;
  if (realistic !== undefined) {
    app.use(realistic.statsRoute);
  }
  if (options.oauth !== undefined) {
    app.use(options.oauth.routes);
    app.use(FHIR_BASE_PATH, options.oauth.guard);
  }
  if (options.answers !== undefined) {
    app.use(FHIR_BASE_PATH, options.answers.handler);
  }
  app.use(FHIR_BASE_PATH, express.json({ type: BODY_TYPES, limit: BODY_LIMIT }));
  if (realistic !== undefined) {
    app.use(FHIR_BASE_PATH, realistic.handler);
  }
  const scripted = options.entryFailures ?? createEntryFailures();
  const entryByEntry =
    realistic !== undefined
      ? realistic.entryFailures(scripted)
      : options.transactions === 'entry-by-entry'
        ? scripted
        : undefined;
  app.use(FHIR_BASE_PATH, async (req: Request, res: Response) => {
    await handleFhirRequest(req, res, router, options.repository, entryByEntry, realistic);
  });
  app.use((_req: Request, res: Response) => {
    sendFhir(res, 404, notFound);
  });
  app.use(errorHandler);
  return app;
}

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const repository = options.repository ?? new ValidatingMemoryRepository();
  if (options.seed ?? true) {
    await seedSandbox(repository);
  }
  const host = options.host ?? '127.0.0.1';
  const oauth = options.oauth !== undefined ? createSandboxOAuth(options.oauth) : undefined;
  const answers = createScriptedAnswers();
  const entryFailures = createEntryFailures();
  const realistic = options.realistic !== undefined ? createRealisticBehaviour(options.realistic) : undefined;
  const server = createServer(
    createSandboxApp({
      repository,
      logger: options.logger,
      oauth,
      answers,
      ...(options.transactions !== undefined ? { transactions: options.transactions } : {}),
      entryFailures,
      ...(realistic !== undefined ? { realistic } : {}),
    }),
  );
  await listen(server, options.port, host);
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${urlHost(host)}:${port}${FHIR_BASE_PATH}`,
    port,
    repository,
    ...(oauth !== undefined ? { oauth } : {}),
    answers,
    entryFailures,
    ...(realistic !== undefined ? { realistic } : {}),
    close: () => closeServer(server),
  };
}

function createFhirRouter(): FhirRouter {
  const router = new FhirRouter();
  const capabilityStatement = buildCapabilityStatement(new Date());
  // FhirRouter has no route for the capabilities interaction; a more specific path wins over `:resourceType`.
  router.add('GET', 'metadata', () => Promise.resolve([allOk, capabilityStatement]));
  router.add('POST', ':resourceType/$validate', validateOperation);
  return router;
}

async function handleFhirRequest(
  req: Request,
  res: Response,
  router: FhirRouter,
  repository: ValidatingMemoryRepository,
  entryByEntry: EntryFailures | undefined,
  realistic: RealisticBehaviour | undefined,
): Promise<void> {
  const method = req.method;
  if (!isHttpMethod(method)) {
    sendFhir(res, 405, badRequest(`Method ${method} is not supported`));
    return;
  }
  // express.json leaves the body undefined when the content type is not one it parses.
  const body: unknown = req.body;
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && body === undefined) {
    sendFhir(res, 415, unsupportedMediaType);
    return;
  }
  // Mounted at /fhir, so req.url is relative to the FHIR base ("/Patient?identifier=…"). FhirRouter wants it
  // without the leading slash and with an empty pathname.
  const url = req.url.replace(/^\/+/, '');
  const fhirRequest = (fhirBody: unknown): FhirRequest => ({
    method,
    url,
    pathname: '',
    params: {},
    query: parseQuery(url),
    body: fhirBody,
    headers: req.headers,
    config: { transactions: true },
  });

  let response: FhirResponse;
  const atBase = url.split('?')[0] === '';
  if (method === 'POST' && atBase && isResource<Bundle>(body, 'Bundle') && body.type === 'transaction') {
    const problems = checkTransaction(body, (resource) => {
      repository.validateAhead(resource);
    });
    if (problems) {
      sendFhir(res, getStatus(problems), problems);
      return;
    }
    response = await repository.exclusive(async () => {
      if (entryByEntry !== undefined) {
        const answer = await runEntryByEntry(body, repository, entryByEntry, async (single) =>
          router.handleRequest(fhirRequest(single), repository),
        );
        return [allOk, answer] as FhirResponse;
      }
      const resolved = await resolveTransactionConditionals(body, repository);
      const creating = await updatesThatCreate(resolved, repository);
      if (creating.size > 0) {
        return [clientChosenIds(creating)] as FhirResponse;
      }
      return router.handleRequest(fhirRequest(resolved), repository);
    });
  } else if (method === 'PUT' && (await updatesThatCreate(singleUpdate(url, body), repository)).size > 0) {
    response = [clientChosenIds(new Set([0]))] as FhirResponse;
  } else {
    response = await router.handleRequest(fhirRequest(body), repository);
  }
  const [outcome, resource] = response;
  const status = getStatus(outcome);
  if (!resource) {
    sendFhir(res, status, outcome);
    return;
  }
  const baseUrl = `${req.protocol}://${req.get('host') ?? 'localhost'}${FHIR_BASE_PATH}`;
  setVersionHeaders(res, resource, status, baseUrl, realistic === undefined);
  if (req.get('prefer') === 'return=minimal') {
    res.status(status).end();
    return;
  }
  const decorated = decorate(resource, baseUrl, url);
  const answered =
    realistic !== undefined && isResource<Bundle>(decorated, 'Bundle') && decorated.type === 'transaction-response'
      ? realistic.answered(decorated)
      : decorated;
  sendFhir(res, status, req.get('prefer') === 'return=OperationOutcome' ? outcome : answered);
}

/** A plain update as a one-entry transaction, so the update-as-create check reads it as it reads an entry. */
function singleUpdate(url: string, body: unknown): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [{ request: { method: 'PUT', url }, ...(isResource(body) ? { resource: body } : {}) }],
  };
}

/** Medplum's answer to an update-as-create with an id the client chose (its `updateCreate` is false). */
function clientChosenIds(entries: ReadonlySet<number>): OperationOutcome {
  return {
    ...notFound,
    issue: notFound.issue.map((issue) => ({
      ...issue,
      diagnostics:
        'the server chooses resource ids: an update of a resource that does not exist is refused (updateCreate false)',
      expression: [...entries].map((index) => `Bundle.entry[${String(index)}].request.url`),
    })),
  };
}

function decorate(resource: Resource, baseUrl: string, url: string): Resource {
  if (!isResource<Bundle>(resource, 'Bundle')) {
    return resource;
  }
  const bundle = resource;
  if (bundle.type === 'transaction-response' || bundle.type === 'batch-response') {
    return completeBatchResponse(bundle);
  }
  return bundle.type === 'searchset' ? addPageLinks(addFullUrls(bundle, baseUrl), baseUrl, url) : bundle;
}

function setVersionHeaders(
  res: Response,
  resource: Resource,
  status: number,
  baseUrl: string,
  versionInLocation: boolean,
): void {
  const versionId = resource.meta?.versionId;
  const lastUpdated = resource.meta?.lastUpdated;
  if (versionId) {
    res.setHeader('ETag', `W/"${versionId}"`);
  }
  if (lastUpdated) {
    res.setHeader('Last-Modified', new Date(lastUpdated).toUTCString());
  }
  if (status === 201 && resource.id && versionId) {
    const history = versionInLocation ? `/_history/${versionId}` : '';
    res.setHeader('Location', `${baseUrl}/${getReferenceString(resource)}${history}`);
  }
}

function sendFhir(res: Response, status: number, body: Resource): void {
  res.status(status).type(FHIR_CONTENT_TYPE).send(JSON.stringify(body));
}

function parseQuery(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const start = url.indexOf('?');
  if (start < 0) {
    return query;
  }
  for (const [name, value] of new URLSearchParams(url.slice(start + 1))) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

function isHttpMethod(method: string): method is HttpMethod {
  return METHODS.has(method);
}

/** Method, path, status and duration only: query strings and bodies carry NHS numbers and clinical text. */
function requestLogging(logger: Logger): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const entry = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        requestId: req.get('x-request-id'),
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      };
      if (res.statusCode >= 500) {
        logger.warn(entry, 'sandbox request failed');
      } else if (res.statusCode >= 400) {
        logger.info(entry, 'sandbox request rejected');
      } else {
        logger.debug(entry, 'sandbox request');
      }
    });
    next();
  };
}

/** Express recognises an error handler by its four parameters, so `next` is declared though never called. */
function errorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  const outcome = errorToOutcome(err);
  sendFhir(res, getStatus(outcome), outcome);
}

function errorToOutcome(err: unknown): OperationOutcome {
  if (err instanceof OperationOutcomeError) {
    return err.outcome;
  }
  // body-parser errors carry an HTTP status and a type; their messages hold no request content.
  const status = typeof err === 'object' && err !== null && 'status' in err ? err.status : undefined;
  const message = err instanceof Error ? err.message : 'Unexpected error';
  if (status === 413) {
    return contentTooLarge(`Request body is larger than ${BODY_LIMIT}`);
  }
  if (status === 415) {
    return unsupportedMediaType;
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return badRequest(message);
  }
  return serverError(err instanceof Error ? err : new Error(message));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
