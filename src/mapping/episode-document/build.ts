/**
 * Builds the episode document a GP files: what the GP is asked to do, the risks, who was referred, when and by
 * whom, what matters to the person, goals and how they went, contacts, outcome measures, connections, barriers
 * (structural or personal) and the closure. Pure: the same episode always gives the same document.
 */
import { barrierTypeOf } from '../../messages/sections/barriers';
import type {
  Barrier,
  BarrierType,
  ConnectionMessage,
  GoalMessage,
  OutcomeNoteMessage,
  Readiness,
  ReferralMessage,
  SupportPlanMessage,
} from '../../messages/schemas';
import { PRESENTING_NEED_TERMS } from '../codes';
import {
  BARRIER_DISPLAY,
  CLOSURE_REASON_DISPLAY,
  CONNECTION_STATUS_DISPLAY,
  READINESS_DISPLAY,
  STATUS_REASON_DISPLAY,
} from '../display';
import type { Episode } from './episode';
import { formatChange, formatDay, formatDayAndTime, formatNhsNumber, sentenceCase } from './format';
import { READINESS_LEVEL_DISPLAY } from '../section-codes';
import { measureRows } from './measure-rows';
import { risksSection } from './risks-section';
import type { DocumentBlock, DocumentSection, EpisodeDocument, LabelledValue } from './model';
import { isWithheldNote, shownEpisode, WITHHELD_HEADING, withheldNotes, withheldSection } from './withheld';

/** The stage of change, with the motivation and capacity it is made of when the link worker recorded them. */
function readinessText(readiness: Readiness): string {
  const parts = [
    ...(readiness.motivation !== undefined
      ? [`motivation ${READINESS_LEVEL_DISPLAY[readiness.motivation].toLowerCase()}`]
      : []),
    ...(readiness.capacity !== undefined
      ? [`capacity ${READINESS_LEVEL_DISPLAY[readiness.capacity].toLowerCase()}`]
      : []),
  ];
  const stage = READINESS_DISPLAY[readiness.stage];
  return parts.length === 0 ? stage : `${stage} (${parts.join(', ')})`;
}

export const EPISODE_DOCUMENT_TITLE = 'Social prescribing summary';

const METHOD_TEXT: Readonly<Record<ReferralMessage['method'], string>> = {
  gp: 'Referred by the GP practice',
  'other-professional': 'Referred by another professional',
  self: 'Self-referral',
  'voluntary-sector': 'Referred by a voluntary sector organisation',
  'local-authority': 'Referred by the local authority',
  other: 'Other route',
};

const PARTICIPANT_TEXT: Readonly<Record<string, string>> = {
  patient: 'the person',
  carer: 'carer',
  'family-member': 'family member',
  interpreter: 'interpreter',
  'other-professional': 'another professional',
};

function needText(need: { readonly snomed?: string | undefined; readonly text?: string | undefined }): string {
  const term = need.snomed === undefined ? undefined : PRESENTING_NEED_TERMS[need.snomed];
  const coded = need.snomed === undefined ? undefined : `${term ?? 'SNOMED CT'} (SNOMED CT ${need.snomed})`;
  if (coded !== undefined && need.text !== undefined) {
    return `${coded}: ${need.text}`;
  }
  return coded ?? need.text ?? '';
}

/** The newest moment any record of the episode was sent: the document's creation time. */
function newestSentAt(episode: Episode): Date {
  const all = [
    episode.referral,
    ...episode.goals,
    ...episode.outcomeNotes,
    ...episode.supportPlans,
    ...episode.connections,
  ];
  return new Date(Math.max(...all.map((record) => Date.parse(record.source.sentAt))));
}

function aboutThePerson(referral: ReferralMessage): LabelledValue[] {
  const { patient } = referral;
  return [
    ...(patient.name !== undefined ? [{ label: 'Name', value: `${patient.name.given} ${patient.name.family}` }] : []),
    { label: 'NHS number', value: formatNhsNumber(patient.nhsNumber) },
    ...(patient.birthDate !== undefined ? [{ label: 'Date of birth', value: formatDay(patient.birthDate) }] : []),
    { label: 'GP practice', value: referral.gpPractice.odsCode },
    {
      label: 'Link worker',
      value: `${referral.linkWorker.name}, ${referral.linkWorker.organisation.name ?? referral.linkWorker.organisation.odsCode}`,
    },
  ];
}

function referralSection(referral: ReferralMessage): DocumentSection {
  const referrer = referral.referrer;
  const rows: LabelledValue[] = [
    { label: 'Referred on', value: formatDay(referral.referredAt) },
    {
      label: 'Referred by',
      value:
        referrer === undefined
          ? METHOD_TEXT[referral.method]
          : [referrer.name, referrer.role, referrer.organisation.name ?? referrer.organisation.odsCode]
              .filter((part) => part !== undefined)
              .join(', '),
    },
    { label: 'Route', value: METHOD_TEXT[referral.method] },
    { label: 'Urgency', value: sentenceCase(referral.urgency) },
    { label: 'Status', value: sentenceCase(referral.status) },
  ];
  if (referral.statusReason !== undefined) {
    const reason = STATUS_REASON_DISPLAY[referral.statusReason.code];
    rows.push({
      label: 'Reason',
      value: referral.statusReason.text === undefined ? reason : `${reason}: ${referral.statusReason.text}`,
    });
  }
  const blocks: DocumentBlock[] = [
    { kind: 'fields', rows },
    { kind: 'subheading', text: 'Reasons for referral' },
    { kind: 'list', items: referral.reasons.map(needText) },
  ];
  if (referral.note !== undefined) {
    blocks.push({ kind: 'subheading', text: 'Referral note' }, { kind: 'paragraph', text: referral.note });
  }
  return { heading: 'Referral', blocks };
}

interface GoalView {
  readonly goalId: string;
  readonly description: string;
  readonly status: GoalMessage['status'];
  readonly importance: number;
  readonly targetDate: string | undefined;
  readonly readiness: GoalMessage['readiness'];
  /** When this view of the goal was recorded, so the newest one wins. */
  readonly at: number;
}

/** Goals from goal messages and support plans, one per goal id, as last recorded. */
function goalViews(episode: Episode): GoalView[] {
  const views = new Map<string, GoalView>();
  const offer = (view: GoalView): void => {
    const seen = views.get(view.goalId);
    if (seen === undefined || seen.at <= view.at) {
      views.set(view.goalId, view);
    }
  };
  for (const goal of episode.goals) {
    offer({
      goalId: goal.source.recordId,
      description: goal.description,
      status: goal.status,
      importance: goal.importance,
      targetDate: goal.targetDate,
      readiness: goal.readiness,
      at: Date.parse(goal.source.sentAt),
    });
  }
  for (const plan of episode.supportPlans) {
    for (const goal of plan.goals) {
      offer({
        goalId: goal.goalId,
        description: goal.description,
        status: goal.status,
        importance: goal.importance,
        targetDate: goal.targetDate,
        readiness: goal.readiness,
        at: Date.parse(plan.source.sentAt),
      });
    }
  }
  return [...views.values()].sort((a, b) => b.importance - a.importance || a.goalId.localeCompare(b.goalId));
}

function whatMattersSection(goals: readonly GoalView[]): DocumentSection {
  return {
    heading: 'What matters to the person',
    blocks:
      goals.length === 0
        ? [{ kind: 'paragraph', text: 'No goals were recorded.' }]
        : [{ kind: 'list', items: goals.map((goal) => `"${goal.description}"`) }],
  };
}

function goalsSection(goals: readonly GoalView[], plans: readonly SupportPlanMessage[]): DocumentSection {
  const blocks: DocumentBlock[] = [];
  if (goals.length > 0) {
    blocks.push({
      kind: 'table',
      summary: 'Goals, with their importance to the person, their status and the latest readiness',
      columns: ['Goal', 'Importance (1-10)', 'Status', 'Target date', 'Readiness'],
      rows: goals.map((goal) => [
        goal.description,
        String(goal.importance),
        sentenceCase(goal.status),
        goal.targetDate === undefined ? 'None set' : formatDay(goal.targetDate),
        goal.readiness === undefined ? 'Not recorded' : readinessText(goal.readiness),
      ]),
    });
  } else {
    blocks.push({ kind: 'paragraph', text: 'No goals were recorded.' });
  }
  const latestPlan = [...plans].sort((a, b) => Date.parse(b.agreedAt) - Date.parse(a.agreedAt))[0];
  if (latestPlan !== undefined) {
    const described = new Map(goals.map((goal) => [goal.goalId, goal.description]));
    blocks.push(
      { kind: 'subheading', text: 'Support plan' },
      {
        kind: 'fields',
        rows: [
          { label: 'Agreed on', value: formatDay(latestPlan.agreedAt) },
          {
            label: 'Review date',
            value: latestPlan.reviewDate === undefined ? 'None set' : formatDay(latestPlan.reviewDate),
          },
          { label: 'Needs', value: latestPlan.needs.map((n) => needText(n.need)).join('; ') },
        ],
      },
    );
    if (latestPlan.actions.length > 0) {
      blocks.push({
        kind: 'table',
        summary: 'Actions agreed in the support plan, with the goal each serves',
        columns: ['Action', 'For goal', 'Status', 'Confidence (1-10)', 'Review date'],
        rows: latestPlan.actions.map((action) => [
          action.description,
          described.get(action.goalId) ?? action.goalId,
          sentenceCase(action.status),
          action.confidence === undefined ? 'Not recorded' : String(action.confidence),
          action.reviewDate === undefined ? 'None set' : formatDay(action.reviewDate),
        ]),
      });
    }
  }
  return { heading: 'Goals and how they went', blocks };
}

function byContactDate(notes: readonly OutcomeNoteMessage[]): OutcomeNoteMessage[] {
  return [...notes].sort((a, b) => Date.parse(a.contact.date) - Date.parse(b.contact.date));
}

/** A withheld note keeps its row (the GP sees that a contact took place) but not who took part or what was said. */
function contactsSection(notes: readonly OutcomeNoteMessage[], linkWorker: string): DocumentSection {
  if (notes.length === 0) {
    return { heading: 'Contacts', blocks: [{ kind: 'paragraph', text: 'No contacts were recorded.' }] };
  }
  const sorted = byContactDate(notes);
  return {
    heading: 'Contacts',
    blocks: [
      {
        kind: 'table',
        summary: 'Contacts with the link worker, oldest first',
        columns: ['Date', 'Mode', 'Minutes', 'Who took part'],
        rows: sorted.map((note) => [
          formatDay(note.contact.date),
          sentenceCase(note.contact.mode),
          String(note.contact.durationMinutes),
          isWithheldNote(note)
            ? 'Withheld'
            : [linkWorker, ...(note.contact.with ?? ['patient']).map((who) => PARTICIPANT_TEXT[who] ?? who)].join(', '),
        ]),
      },
      { kind: 'subheading', text: 'Notes from each contact' },
      ...sorted.map((note): DocumentBlock => {
        if (isWithheldNote(note)) {
          return {
            kind: 'paragraph',
            text: `${formatDay(note.contact.date)}: withheld (see ${WITHHELD_HEADING.toLowerCase()}).`,
          };
        }
        const readiness = note.readiness === undefined ? '' : ` Readiness: ${readinessText(note.readiness)}.`;
        return { kind: 'paragraph', text: `${formatDay(note.contact.date)}: ${note.note}${readiness}` };
      }),
    ],
  };
}

function measuresSection(notes: readonly OutcomeNoteMessage[]): DocumentSection {
  const rows = measureRows(notes);
  if (rows.length === 0) {
    return {
      heading: 'Outcome measures',
      blocks: [{ kind: 'paragraph', text: 'No outcome measures were recorded.' }],
    };
  }
  return {
    heading: 'Outcome measures',
    blocks: [
      {
        kind: 'paragraph',
        text: 'Higher scores are better, except where lower is better is stated. Change is against the first time the measure was taken.',
      },
      {
        kind: 'table',
        summary: 'Outcome measure scores at each contact, with the change since the first',
        columns: ['Measure', 'Date', 'Score', 'Change since first'],
        rows: rows.map((row) => [
          row.measure,
          formatDay(row.takenAt),
          row.scoreText,
          row.change === undefined ? 'First' : formatChange(row.change),
        ]),
      },
    ],
  };
}

function connectionsSection(connections: readonly ConnectionMessage[]): DocumentSection {
  if (connections.length === 0) {
    return { heading: 'Connections made', blocks: [{ kind: 'paragraph', text: 'No connections were recorded.' }] };
  }
  const sorted = [...connections].sort((a, b) => Date.parse(a.statusAt) - Date.parse(b.statusAt));
  const notes = sorted.filter((c) => c.note !== undefined);
  return {
    heading: 'Connections made',
    blocks: [
      {
        kind: 'table',
        summary: 'Community organisations the person was connected to, and what happened',
        columns: ['Organisation', 'Service', 'How', 'Outcome', 'Date'],
        rows: sorted.map((c) => [
          c.organisation.name,
          c.service,
          sentenceCase(c.type),
          CONNECTION_STATUS_DISPLAY[c.status],
          formatDay(c.statusAt),
        ]),
      },
      ...notes.map((c): DocumentBlock => ({ kind: 'paragraph', text: `${c.organisation.name}: ${c.note ?? ''}` })),
    ],
  };
}

/** `someWithheld`: the episode given has lost withheld notes, so an empty list must not read as "none at all". */
function barriersSection(episode: Episode, someWithheld: boolean): DocumentSection {
  const items: string[] = [];
  const add = (
    barriers:
      | readonly {
          readonly code: Barrier;
          readonly type?: BarrierType | undefined;
          readonly text?: string | undefined;
        }[]
      | undefined,
    where: string,
  ): void => {
    for (const barrier of barriers ?? []) {
      const name = `${BARRIER_DISPLAY[barrier.code]}, ${barrierTypeOf(barrier)}`;
      items.push(`${name}${barrier.text === undefined ? '' : `: ${barrier.text}`} (${where})`);
    }
  };
  for (const note of byContactDate(episode.outcomeNotes)) {
    add(note.barriers, `contact on ${formatDay(note.contact.date)}`);
  }
  for (const connection of episode.connections) {
    add(connection.barriers, connection.organisation.name);
  }
  return {
    heading: 'Barriers',
    blocks:
      items.length === 0
        ? [
            {
              kind: 'paragraph',
              text: someWithheld
                ? 'No barriers were recorded outside the withheld entries.'
                : 'No barriers were recorded.',
            },
          ]
        : [{ kind: 'list', items }],
  };
}

function closureSection(referral: ReferralMessage): DocumentSection {
  const closure = referral.closure;
  if (closure === undefined) {
    return {
      heading: 'Closure',
      blocks: [{ kind: 'paragraph', text: 'The episode is still open: support continues.' }],
    };
  }
  return {
    heading: 'Closure',
    blocks: [
      {
        kind: 'fields',
        rows: [
          { label: 'Closed on', value: formatDay(closure.closedAt) },
          { label: 'Reason', value: CLOSURE_REASON_DISPLAY[closure.reason] },
          { label: 'Re-referral offered', value: closure.reReferralOffered ? 'Yes' : 'No' },
        ],
      },
      { kind: 'subheading', text: 'Closing summary' },
      { kind: 'paragraph', text: closure.summary },
    ],
  };
}

/**
 * What the GP is asked to do: every request to the practice in the episode (each also a Task in the FHIR
 * record), then the closing follow-up text senders of earlier API versions give. A request inside a withheld note
 * is pointed to rather than shown, so that no action is missed.
 */
function gpActionsSection(episode: Episode): DocumentSection {
  const shown = shownEpisode(episode);
  const requests = [shown.referral, ...shown.outcomeNotes].flatMap((record) => record.gpRequests ?? []);
  const hidden = withheldNotes(episode).filter((note) => (note.gpRequests ?? []).length > 0);
  const followUp = episode.referral.closure?.followUp;
  const items = [
    ...requests.map(
      (request) => `${request.action.text ?? 'Request'} (${formatDay(request.requestedAt)}): ${request.reason}`,
    ),
    ...hidden.map(
      (note) =>
        `A request in the withheld note of ${formatDay(note.contact.date)} (see ${WITHHELD_HEADING.toLowerCase()})`,
    ),
    ...(followUp !== undefined ? [followUp] : []),
  ];
  return {
    heading: 'Actions for the GP',
    blocks:
      items.length === 0 ? [{ kind: 'paragraph', text: 'No action is asked of the GP.' }] : [{ kind: 'list', items }],
  };
}

export function buildEpisodeDocument(episode: Episode): EpisodeDocument {
  const { referral } = episode;
  const goals = goalViews(episode);
  const organisation = referral.linkWorker.organisation.name ?? referral.linkWorker.organisation.odsCode;
  // Every section but the contacts table reads only what the person may see online.
  const shown = shownEpisode(episode);
  const withheld = withheldSection(episode, organisation);
  return {
    title: EPISODE_DOCUMENT_TITLE,
    language: 'en-GB',
    createdAt: newestSentAt(episode),
    about: aboutThePerson(referral),
    author: organisation,
    subject: `Social prescribing episode summary from ${organisation}`,
    sections: [
      // The GP's actions come first: it is what the reader must not miss.
      gpActionsSection(episode),
      risksSection(shown),
      ...(withheld !== undefined ? [withheld] : []),
      referralSection(referral),
      whatMattersSection(goals),
      goalsSection(goals, episode.supportPlans),
      contactsSection(episode.outcomeNotes, referral.linkWorker.name),
      measuresSection(shown.outcomeNotes),
      connectionsSection(episode.connections),
      barriersSection(shown, withheld !== undefined),
      closureSection(referral),
    ],
  };
}

/** The document's creation time, shown on it, as text. */
export function createdAtText(document: EpisodeDocument): string {
  return formatDayAndTime(document.createdAt);
}
