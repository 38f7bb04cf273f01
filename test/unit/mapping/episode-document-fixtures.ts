/**
 * Loads each journey under test/fixtures/journeys as an Episode (every document validated as the API would), for
 * the episode document and ITK3 message tests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Episode } from '../../../src/mapping/episode-document';
import { episodeFromMessages } from '../../../src/mapping/episode-document';
import type { InboundMessage, MessageKind } from '../../../src/messages/schemas';
import { validateInbound } from '../../../src/messages/validate';

export const JOURNEYS_DIR = path.join(__dirname, '..', '..', 'fixtures', 'journeys');
const NOW = new Date('2026-11-20T12:00:00Z');

export const JOURNEY_NAMES: readonly string[] = readdirSync(JOURNEYS_DIR).sort();

export function journeyMessages(journey: string): InboundMessage[] {
  const dir = path.join(JOURNEYS_DIR, journey);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') && !file.endsWith('.fhir.json'))
    .sort()
    .map((file) => {
      const input = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { kind: MessageKind; body: unknown };
      const validated = validateInbound(input.kind, input.body, NOW);
      if (!validated.ok) {
        throw new Error(`${journey}/${file} is not valid input: ${JSON.stringify(validated.issues)}`);
      }
      return validated.message;
    });
}

export function journeyEpisode(journey: string): Episode {
  const messages = journeyMessages(journey);
  const referral = messages.find((m) => m.kind === 'referral');
  if (referral === undefined) {
    throw new Error(`${journey} has no referral`);
  }
  const episode = episodeFromMessages(messages, referral.body.source.recordId);
  if (episode === undefined) {
    throw new Error(`${journey} gives no episode`);
  }
  return episode;
}
