/**
 * Authentication for the audit API and dashboard, separate from the ingest keys: an auditor key by Bearer token,
 * X-API-Key, or HTTP Basic (any user name, the key as password) so a browser can open the dashboard. With no
 * keys configured anywhere the adapter runs open, as the rest of the API does on a developer's machine; once
 * ingest keys exist, the audit routes need auditor keys of their own.
 */
import type { RequestHandler } from 'express';
import { ANONYMOUS_CLIENT, sameSecret } from '../auth';
import { HttpError, issue, outcome } from '../errors';

function presented(authorization: string | undefined, apiKeyHeader: string | undefined): string | undefined {
  if (apiKeyHeader !== undefined && apiKeyHeader !== '') {
    return apiKeyHeader;
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (bearer?.[1] !== undefined) {
    return bearer[1].trim();
  }
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

/** Sets `res.locals.auditor` to the auditor's name, or answers 401 with a Basic challenge (for browsers). */
export function auditorAuth(
  auditorKeys: Readonly<Record<string, string>>,
  ingestKeys: Readonly<Record<string, string>>,
): RequestHandler {
  const entries = Object.entries(auditorKeys);
  const open = entries.length === 0 && Object.keys(ingestKeys).length === 0;
  return (req, res, next) => {
    if (open) {
      res.locals.auditor = ANONYMOUS_CLIENT;
      next();
      return;
    }
    const key = presented(req.get('authorization'), req.get('x-api-key'));
    const match = key === undefined ? undefined : entries.find(([, secret]) => sameSecret(secret, key));
    if (match === undefined) {
      res.setHeader('WWW-Authenticate', 'Basic realm="sp-fhir-adapter audit", charset="UTF-8"');
      next(new HttpError(401, outcome([issue('login', 'An auditor key is required (Authorization: Bearer <key>)')])));
      return;
    }
    res.locals.auditor = match[0];
    next();
  };
}
