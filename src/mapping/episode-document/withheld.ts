/**
 * Which parts of an episode the episode document must not carry, and what it says in their place. The practice
 * files the document where the person can read it online (GP Connect Send Document has no label that keeps a
 * document out of online access: a restricted document is refused), so an outcome note withheld from online
 * access or not of normal confidentiality, and every safeguarding entry, is named by its date and left out.
 */
import type { OutcomeNoteMessage } from '../../messages/schemas';
import { WITHHOLD_REASON_DISPLAY } from '../section-codes';
import type { Episode } from './episode';
import { formatDay } from './format';
import type { DocumentSection } from './model';

export const WITHHELD_HEADING = 'Entries withheld from this document';

/** A note the person may not read online: withheld from online access, or restricted or very restricted. */
export function isWithheldNote(note: OutcomeNoteMessage): boolean {
  const visibility = note.visibility;
  return visibility !== undefined && (visibility.withholdFromOnlineAccess || visibility.confidentiality !== 'normal');
}

/** The episode without its withheld notes: what every other section is built from. */
export function shownEpisode(episode: Episode): Episode {
  return { ...episode, outcomeNotes: episode.outcomeNotes.filter((note) => !isWithheldNote(note)) };
}

export function withheldNotes(episode: Episode): OutcomeNoteMessage[] {
  return episode.outcomeNotes
    .filter(isWithheldNote)
    .sort((a, b) => Date.parse(a.contact.date) - Date.parse(b.contact.date));
}

/** What a withheld note holds, named without its content, so the GP knows what to look for. */
function heldParts(note: OutcomeNoteMessage): string {
  const parts = [
    "the link worker's note",
    ...(note.measures !== undefined ? ['outcome measures'] : []),
    ...(note.readiness !== undefined ? ['readiness'] : []),
    ...((note.barriers ?? []).length > 0 ? ['barriers'] : []),
    ...(note.risks !== undefined ? ['a risk assessment'] : []),
    ...((note.gpRequests ?? []).length > 0 ? ['a request to the GP'] : []),
  ];
  return parts.length === 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) ?? ''}`;
}

function noteItem(note: OutcomeNoteMessage): string {
  const visibility = note.visibility;
  const reason =
    visibility?.withholdFromOnlineAccess === true
      ? WITHHOLD_REASON_DISPLAY[visibility.withholdReason ?? 'third-party-information'].toLowerCase()
      : `${visibility?.confidentiality ?? 'restricted'} confidentiality`;
  return `Contact on ${formatDay(note.contact.date)}: ${heldParts(note)} (${reason})`;
}

/**
 * Restricted entries recorded in records the document otherwise shows (the referral, notes not withheld). Each is
 * named only as restricted and dated, because even saying what kind of entry it is could harm the person.
 */
function restrictedItems(episode: Episode): string[] {
  const shown = shownEpisode(episode);
  const fromReferral =
    (episode.referral.safeguarding ?? []).length > 0 ? [`Referral of ${formatDay(episode.referral.referredAt)}`] : [];
  const fromNotes = shown.outcomeNotes
    .filter((note) => (note.safeguarding ?? []).length > 0)
    .sort((a, b) => Date.parse(a.contact.date) - Date.parse(b.contact.date))
    .map((note) => `Contact on ${formatDay(note.contact.date)}`);
  return [...fromReferral, ...fromNotes].map((where) => `${where}: a restricted entry`);
}

/** The section that names what was left out and where it is; undefined when nothing was. */
export function withheldSection(episode: Episode, organisation: string): DocumentSection | undefined {
  const items = [...withheldNotes(episode).map(noteItem), ...restrictedItems(episode)];
  if (items.length === 0) {
    return undefined;
  }
  return {
    heading: WITHHELD_HEADING,
    blocks: [
      {
        kind: 'paragraph',
        text:
          "These entries are withheld from the person's online record access, so this document, which may be " +
          'read online, does not repeat them. Where the practice also receives the episode as FHIR entries, they ' +
          'are there, labelled restricted and withheld from online access. Otherwise ask ' +
          `${organisation}, which holds them.`,
      },
      { kind: 'list', items },
    ],
  };
}
