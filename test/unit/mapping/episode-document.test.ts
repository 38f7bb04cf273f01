// The episode document of each journey: its model (what the GP reads) and its PDF. The PDF's text, extracted with
// pdfjs-dist, must equal the golden text committed in test/fixtures/episode-document/<journey>.txt, and the same
// input must give the same bytes. Regenerate after an intended change with:
// UPDATE_GOLDEN=1 npx jest test/unit/mapping/episode-document.test.ts
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Episode, EpisodeDocument } from '../../../src/mapping/episode-document';
import { buildEpisodeDocument, episodeFromMessages, renderEpisodePdf } from '../../../src/mapping/episode-document';
import type { GoalMessage, OutcomeNoteMessage, ReferralMessage } from '../../../src/messages/schemas';
import { JOURNEY_NAMES, journeyEpisode, journeyMessages } from './episode-document-fixtures';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN = path.join(__dirname, '..', '..', 'fixtures', 'episode-document');
const EXTRACT = path.join(__dirname, 'episode-document-text.mjs');

interface Extracted {
  readonly pages: string[];
  readonly info: Record<string, unknown>;
  readonly structTree: string[];
}

function extract(pdf: Buffer): Extracted {
  return JSON.parse(execFileSync(process.execPath, [EXTRACT], { input: pdf, encoding: 'utf8' })) as Extracted;
}

function sectionText(document: EpisodeDocument, heading: string): string {
  const section = document.sections.find((s) => s.heading === heading);
  return JSON.stringify(section?.blocks ?? 'missing');
}

test('there are four journeys', () => {
  expect(JOURNEY_NAMES).toHaveLength(4);
});

describe.each(JOURNEY_NAMES)('%s', (journey) => {
  const episode = journeyEpisode(journey);
  const document = buildEpisodeDocument(episode);
  let pdf: Buffer;
  let extracted: Extracted;

  beforeAll(async () => {
    pdf = await renderEpisodePdf(document);
    extracted = extract(pdf);
  });

  it('has the text of the golden file', () => {
    const actual = `${extracted.pages.join('\n\f\n')}\n`;
    const goldenFile = path.join(GOLDEN, `${journey}.txt`);
    if (UPDATE || !existsSync(goldenFile)) {
      if (!UPDATE) {
        throw new Error(`${goldenFile} is missing; run with UPDATE_GOLDEN=1 to create it`);
      }
      writeFileSync(goldenFile, actual);
    }
    expect(actual).toBe(readFileSync(goldenFile, 'utf8'));
  });

  it('is the same PDF, byte for byte, when rendered again from the same input', async () => {
    const again = await renderEpisodePdf(buildEpisodeDocument(journeyEpisode(journey)));
    expect(again.equals(pdf)).toBe(true);
  });

  it('carries its title, language and the creation date of its newest record', () => {
    const newest = Math.max(
      ...[episode.referral, ...episode.outcomeNotes, ...episode.connections, ...episode.supportPlans].map((r) =>
        Date.parse(r.source.sentAt),
      ),
    );
    const stamp = new Date(newest)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z');
    expect(extracted.info).toMatchObject({
      Title: 'Social prescribing summary',
      Language: 'en-GB',
      CreationDate: `D:${stamp.replace('T', '')}`,
      Producer: 'sp-fhir-adapter',
    });
    expect(pdf.subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
    expect(pdf.toString('latin1')).toMatch(/\/DisplayDocTitle true/);
  });

  it('tags a heading hierarchy, tables with header cells and lists', () => {
    for (const role of ['Document', 'H1', 'Sect', 'H2', 'H3', 'Table', 'TR', 'TH', 'TD', 'L', 'LI', 'P']) {
      expect(extracted.structTree).toContain(role);
    }
    expect(extracted.structTree.filter((role) => role === 'H1')).toHaveLength(1);
  });

  it('names the person by NHS number on every page', () => {
    for (const page of extracted.pages) {
      expect(page).toContain('NHS number 999 000 0018');
    }
  });
});

describe('the document model', () => {
  const quick = journeyEpisode('a-quick-connection');

  it('says who referred the person, or that they referred themselves', () => {
    expect(sectionText(buildEpisodeDocument(quick), 'Referral')).toContain(
      'Dr Priya Shah, General practitioner, Riverside Surgery',
    );
    const selfReferral: ReferralMessage = { ...quick.referral, method: 'self' };
    delete selfReferral.referrer;
    const referral = sectionText(buildEpisodeDocument({ ...quick, referral: selfReferral }), 'Referral');
    expect(referral).toContain('{"label":"Referred by","value":"Self-referral"}');
  });

  it('says whether re-referral was offered and what the GP is asked to do', () => {
    const closure = quick.referral.closure;
    if (closure === undefined) {
      throw new Error('journey a has a closure');
    }
    const closed: Episode = {
      ...quick,
      referral: {
        ...quick.referral,
        closure: { ...closure, reReferralOffered: false, followUp: 'Review in 3 months' },
      },
    };
    const document = buildEpisodeDocument(closed);
    expect(sectionText(document, 'Closure')).toContain('{"label":"Re-referral offered","value":"No"}');
    expect(sectionText(document, 'Actions for the GP')).toContain('Review in 3 months');
    expect(sectionText(buildEpisodeDocument(quick), 'Actions for the GP')).toContain(
      'Consider a referral to the exercise on referral scheme (20 October 2026): Enjoys the health walk',
    );
    const nothingAsked: Episode = { ...quick, referral: { ...quick.referral, gpRequests: undefined } };
    expect(sectionText(buildEpisodeDocument(nothingAsked), 'Actions for the GP')).toContain(
      'No action is asked of the GP.',
    );
  });

  it('lists the active risks of the latest assessment with how to stay safe', () => {
    const risky: Episode = {
      ...quick,
      referral: {
        ...quick.referral,
        risks: {
          assessedAt: '2026-10-21T09:00:00Z',
          items: [
            {
              key: 'dog',
              to: 'link-worker',
              risk: { text: 'Dog at the home' },
              status: 'active',
              precautions: 'Meet outside',
            },
            { key: 'old', to: 'person', risk: { text: 'Not eating' }, status: 'resolved' },
          ],
        },
      },
    };
    const risks = sectionText(buildEpisodeDocument(risky), 'Risks');
    expect(risks).toContain('Assessed 21 October 2026.');
    expect(risks).toContain('Risk to the link worker: Dog at the home (Meet outside)');
    expect(risks).not.toContain('Not eating');
  });

  it('shows the SWEMWBS metric score and its change since the first measurement', () => {
    const [first] = quick.outcomeNotes;
    if (first === undefined) {
      throw new Error('journey a has a contact');
    }
    // Raw 20 → metric 18.59 (first, journey a, as in its golden FHIR); raw 28 → metric 25.03.
    const later: OutcomeNoteMessage = {
      ...first,
      source: { ...first.source, recordId: 'JA-NOTE-2' },
      contact: { ...first.contact, date: '2026-10-19T10:00:00Z' },
      measures: { swemwbs: { items: [4, 4, 4, 4, 4, 4, 4] } },
    };
    const measures = sectionText(buildEpisodeDocument({ ...quick, outcomeNotes: [later, first] }), 'Outcome measures');
    expect(measures).toContain('["SWEMWBS metric score (7-35)","5 October 2026","18.59 (raw total 20)","First"]');
    expect(measures).toContain('["SWEMWBS metric score (7-35)","19 October 2026","25.03 (raw total 28)","+6.44"]');
  });

  it('shows the person’s name and date of birth when the referral has them', () => {
    const named: ReferralMessage = {
      ...quick.referral,
      patient: { ...quick.referral.patient, name: { given: 'Alex', family: 'Morgan' }, birthDate: '1961-04-30' },
    };
    expect(buildEpisodeDocument({ ...quick, referral: named }).about).toEqual(
      expect.arrayContaining([
        { label: 'Name', value: 'Alex Morgan' },
        { label: 'Date of birth', value: '30 April 1961' },
      ]),
    );
  });
});

describe('a declined referral with a goal recorded on its own', () => {
  const quick = journeyEpisode('a-quick-connection');
  const { source, patient, gpPractice, linkWorker } = quick.referral;
  const goal: GoalMessage = {
    source: { ...source, recordId: 'JA-GOAL-1', recordVersion: 1 },
    patient,
    gpPractice,
    linkWorker,
    referralId: 'JA-REF',
    description: 'Meet people once a week',
    status: 'not-achieved',
    importance: 8,
    agreedAt: '2026-10-05T10:00:00Z',
  };
  const declined: ReferralMessage = {
    ...quick.referral,
    status: 'declined',
    statusReason: { code: 'patient-declined', text: 'Prefers to wait until the spring' },
  };
  delete declined.closure;
  const document = buildEpisodeDocument({ ...quick, referral: declined, goals: [goal] });

  it('says why it was declined', () => {
    expect(sectionText(document, 'Referral')).toContain(
      '{"label":"Reason","value":"Person declined: Prefers to wait until the spring"}',
    );
    expect(sectionText(document, 'Closure')).toContain('still open');
  });

  it('lists the goal in the person’s words and how it went', () => {
    expect(sectionText(document, 'What matters to the person')).toContain('Meet people once a week');
    expect(sectionText(document, 'Goals and how they went')).toContain(
      '["Meet people once a week","8","Not achieved","None set","Not recorded"]',
    );
  });
});

describe('episodeFromMessages', () => {
  it('takes the latest version of the referral and only the records of that referral', () => {
    const messages = journeyMessages('a-quick-connection');
    const other = journeyMessages('b-anchoring');
    const episode = episodeFromMessages([...other, ...messages.slice().reverse()], 'JA-REF');
    expect(episode?.referral.source.recordVersion).toBe(2);
    expect(episode?.outcomeNotes.map((n) => n.source.recordId)).toEqual(['JA-NOTE-1']);
    expect(episode?.connections.map((c) => c.source.recordId)).toEqual(['JA-CONN-1']);
    expect(episode?.supportPlans).toEqual([]);
  });

  it('finds no episode without its referral', () => {
    const withoutReferral = journeyMessages('a-quick-connection').filter((m) => m.kind !== 'referral');
    expect(episodeFromMessages(withoutReferral, 'JA-REF')).toBeUndefined();
  });
});

describe('notes withheld from online access and restricted entries', () => {
  const anchoring = journeyEpisode('b-anchoring');
  const withheld = anchoring.outcomeNotes.find((note) => note.visibility?.withholdFromOnlineAccess === true);
  if (withheld === undefined) {
    throw new Error('journey b has a note withheld from online access');
  }
  const document = buildEpisodeDocument(anchoring);
  const everything = JSON.stringify(document);

  it('leaves out the content of a withheld note everywhere and names it by date instead', () => {
    expect(everything).not.toContain(withheld.note);
    for (const barrier of withheld.barriers ?? []) {
      expect(everything).not.toContain(barrier.text ?? 'no barrier text in the fixture');
    }
    expect(sectionText(document, 'Contacts')).toContain('["10 October 2026","Face-to-face","60","Withheld"]');
    expect(sectionText(document, 'Entries withheld from this document')).toContain(
      "Contact on 10 October 2026: the link worker's note, readiness and barriers (contains information about a third party)",
    );
  });

  it('never says what kind of restricted entry there is', () => {
    expect(everything.toLowerCase()).not.toContain('safeguarding');
    expect(sectionText(document, 'Entries withheld from this document')).toContain(
      'Contact on 7 November 2026: a restricted entry',
    );
  });

  it('treats a restricted note as withheld, and points to a request to the GP it holds', () => {
    const [first] = anchoring.outcomeNotes;
    if (first === undefined) {
      throw new Error('journey b has contacts');
    }
    const restricted: OutcomeNoteMessage = {
      ...first,
      note: 'Talked about his brother at length.',
      visibility: { confidentiality: 'restricted', withholdFromOnlineAccess: false },
      gpRequests: [
        {
          key: 'carer',
          action: { text: 'Consider a carer assessment for his brother' },
          reason: 'His brother cares for him at night.',
          requestedAt: first.contact.date,
          priority: 'routine',
        },
      ],
    };
    const built = buildEpisodeDocument({ ...anchoring, outcomeNotes: [restricted] });
    const text = JSON.stringify(built);
    expect(text).not.toContain('Talked about his brother');
    expect(text).not.toContain('carer assessment');
    expect(sectionText(built, 'Actions for the GP')).toContain(
      'A request in the withheld note of 3 October 2026 (see entries withheld from this document)',
    );
    expect(sectionText(built, 'Entries withheld from this document')).toContain('restricted confidentiality');
    expect(sectionText(built, 'Barriers')).toContain('No barriers were recorded outside the withheld entries.');
  });

  it('has no such section when nothing is withheld', () => {
    const quick = buildEpisodeDocument(journeyEpisode('a-quick-connection'));
    expect(quick.sections.map((s) => s.heading)).not.toContain('Entries withheld from this document');
  });
});
