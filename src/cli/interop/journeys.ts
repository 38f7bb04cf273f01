/**
 * The journey documents `interop` sends: one folder per journey, `NN-<kind>.json` files of `{ kind, body }` in
 * the order a link-worker system would send them, validated exactly as the API validates a submission.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { findPackageRoot } from '../../lib/package-root';
import { validateInbound } from '../../messages/validate';
import type { InboundMessage, MessageKind } from '../../messages/schemas';
import { MESSAGE_KINDS } from '../../messages/schemas';

export interface JourneyDocument {
  /** `<journey>/<file>`, as reports name it. */
  readonly name: string;
  readonly message: InboundMessage;
}

export interface Journey {
  readonly name: string;
  readonly documents: readonly JourneyDocument[];
}

/** The journeys shipped with the package. */
export function shippedJourneysDir(): string {
  return path.join(findPackageRoot(), 'examples', 'journeys');
}

function isKind(value: unknown): value is MessageKind {
  return typeof value === 'string' && (MESSAGE_KINDS as readonly string[]).includes(value);
}

/**
 * Reads and validates every journey under `dir`.
 * @throws Error naming the file and each problem when a document is not a valid submission
 */
export function loadJourneys(dir: string, now: Date): Journey[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((journey) => {
      const files = readdirSync(path.join(dir, journey))
        .filter((file) => file.endsWith('.json') && !file.endsWith('.fhir.json'))
        .sort();
      const documents = files.map((file): JourneyDocument => {
        const name = `${journey}/${file}`;
        const doc = JSON.parse(readFileSync(path.join(dir, journey, file), 'utf8')) as {
          kind?: unknown;
          body?: unknown;
        };
        if (!isKind(doc.kind)) {
          throw new Error(`${name}: "kind" must be one of ${MESSAGE_KINDS.join(', ')}`);
        }
        const validation = validateInbound(doc.kind, doc.body, now);
        if (!validation.ok) {
          const problems = validation.issues.map((issue) => issue.diagnostics ?? issue.details?.text ?? issue.code);
          throw new Error(`${name}: not a valid ${doc.kind}: ${problems.join('; ')}`);
        }
        return { name, message: validation.message };
      });
      return { name: journey, documents };
    })
    .filter((journey) => journey.documents.length > 0);
}
