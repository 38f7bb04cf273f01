// The intake rules of the record's sections: risks (an explicit "no known risks" or at least one active risk),
// safeguarding dates and closure, consent (a refusal to share with the GP practice is never delivered), requests
// to the GP, visibility, barrier types and readiness levels. Each problem is refused naming its path.
import type { MessageKind } from '../../../src/messages/schemas';
import { outcomeNoteDoc, referralDoc } from '../../support/fixtures';
import type { IntakeProblem } from '../../support/intake';
import { intakeProblems } from '../../support/intake';

const NOW = new Date('2026-12-01T12:00:00Z');

function problems(kind: MessageKind, body: unknown): IntakeProblem[] {
  return intakeProblems(kind, body, NOW);
}

const expressions = (kind: MessageKind, body: unknown): string[] => problems(kind, body).map((p) => p.expression);

const dogRisk = {
  key: 'dog',
  to: 'link-worker',
  risk: { text: 'Large dog at the home' },
  precautions: 'Ask for the dog to be shut in',
};

const concern = {
  key: 'card',
  raisedAt: '2026-11-10T10:00:00Z',
  concern: { text: 'Possible financial exploitation' },
  referredTo: { name: 'Adult Safeguarding Team' },
  referredAt: '2026-11-10T11:00:00Z',
};

describe('risks', () => {
  it('accepts an explicit "no known risks" and a list of active risks', () => {
    expect(
      problems(
        'referral',
        referralDoc({ risks: { assessedAt: '2026-11-10T10:00:00Z', noKnownRisks: true, items: [] } }),
      ),
    ).toEqual([]);
    expect(
      problems('referral', referralDoc({ risks: { assessedAt: '2026-11-10T10:00:00Z', items: [dogRisk] } as never })),
    ).toEqual([]);
  });

  it('refuses a risks section that says nothing: no active risk and no "no known risks"', () => {
    const silent = problems('referral', referralDoc({ risks: { assessedAt: '2026-11-10T10:00:00Z' } as never }));
    expect(silent).toEqual([
      expect.objectContaining({ expression: 'risks', text: expect.stringMatching(/noKnownRisks/) as unknown }),
    ]);
    const onlyResolved = { assessedAt: '2026-11-10T10:00:00Z', items: [{ ...dogRisk, status: 'resolved' }] };
    expect(expressions('outcome-note', outcomeNoteDoc('REF-1', { risks: onlyResolved } as never))).toEqual(['risks']);
  });

  it('refuses "no known risks" beside an active risk, but not beside resolved ones', () => {
    const both = { assessedAt: '2026-11-10T10:00:00Z', noKnownRisks: true, items: [dogRisk] };
    expect(expressions('referral', referralDoc({ risks: both } as never))).toEqual(['risks.noKnownRisks']);
    const resolved = { ...both, items: [{ ...dogRisk, status: 'resolved' }] };
    expect(expressions('referral', referralDoc({ risks: resolved } as never))).toEqual([]);
  });

  it('refuses a key used twice, an identification after the assessment and an assessment in the future', () => {
    const risks = {
      assessedAt: '2026-12-02T10:00:00Z',
      items: [dogRisk, { ...dogRisk, identifiedAt: '2026-12-03T10:00:00Z' }],
    };
    expect(expressions('referral', referralDoc({ risks } as never)).sort()).toEqual([
      'risks.assessedAt',
      'risks.items[0].key',
      'risks.items[1].identifiedAt',
      'risks.items[1].key',
    ]);
  });

  it('refuses an unknown subject of a risk by its path', () => {
    const risks = { assessedAt: '2026-11-10T10:00:00Z', items: [{ ...dogRisk, to: 'gp' }] };
    expect(expressions('referral', referralDoc({ risks } as never))).toEqual(['risks.items[0].to']);
  });
});

describe('safeguarding', () => {
  it('accepts an open concern', () => {
    expect(problems('outcome-note', outcomeNoteDoc('REF-1', { safeguarding: [concern] } as never))).toEqual([]);
  });

  it('refuses a referral on before the concern was raised', () => {
    const early = { ...concern, referredAt: '2026-11-09T10:00:00Z' };
    expect(expressions('outcome-note', outcomeNoteDoc('REF-1', { safeguarding: [early] } as never))).toEqual([
      'safeguarding[0].referredAt',
    ]);
  });

  it('requires closedAt exactly when the concern is closed', () => {
    const closed = { ...concern, status: 'closed' };
    expect(expressions('referral', referralDoc({ safeguarding: [closed] } as never))).toEqual([
      'safeguarding[0].closedAt',
    ]);
    const open = { ...concern, closedAt: '2026-11-12T10:00:00Z' };
    expect(expressions('referral', referralDoc({ safeguarding: [open] } as never))).toEqual([
      'safeguarding[0].closedAt',
    ]);
  });

  it('refuses a concern with no one it was referred to', () => {
    const nobody = { ...concern, referredTo: undefined };
    expect(expressions('referral', referralDoc({ safeguarding: [nobody] } as never))).toEqual([
      'safeguarding[0].referredTo',
    ]);
  });
});

describe('consent to share', () => {
  const consent = { recordedAt: '2026-11-10T10:00:00Z', gpPractice: 'given', others: [] };

  it('accepts consent given and a withdrawal', () => {
    expect(problems('referral', referralDoc({ consent } as never))).toEqual([]);
    expect(problems('referral', referralDoc({ consent: { ...consent, gpPractice: 'withdrawn' } } as never))).toEqual(
      [],
    );
  });

  it('refuses a record whose person refused to share it with their GP practice', () => {
    const refused = problems('referral', referralDoc({ consent: { ...consent, gpPractice: 'refused' } } as never));
    expect(refused).toEqual([
      {
        expression: 'consent.gpPractice',
        code: 'value',
        text: expect.stringMatching(/cannot be sent to the GP record/) as unknown,
      },
    ]);
  });

  it('refuses a recipient named twice', () => {
    const others = [
      { recipient: 'referrer', decision: 'given' },
      { recipient: 'referrer', decision: 'refused' },
    ];
    expect(expressions('referral', referralDoc({ consent: { ...consent, others } } as never))).toEqual([
      'consent.others[0].recipient',
      'consent.others[1].recipient',
    ]);
  });
});

describe('requests to the GP', () => {
  const request = {
    key: 'carers',
    action: { text: "Consider a carer's assessment" },
    reason: 'Cares full time',
    requestedAt: '2026-11-01T15:00:00Z',
  };

  it('accepts a request and refuses two with the same key, naming both', () => {
    expect(problems('referral', referralDoc({ gpRequests: [request] } as never))).toEqual([]);
    expect(expressions('referral', referralDoc({ gpRequests: [request, request] } as never))).toEqual([
      'gpRequests[0].key',
      'gpRequests[1].key',
    ]);
  });

  it('refuses a request dated after the record was sent', () => {
    const late = { ...request, requestedAt: '2026-11-17T10:00:00Z' };
    const doc = outcomeNoteDoc('REF-1', { gpRequests: [late] } as never);
    expect(expressions('outcome-note', doc)).toEqual(['gpRequests[0].requestedAt']);
  });

  it('refuses a request without a reason or an action', () => {
    const bare = { key: 'x', action: {}, requestedAt: '2026-11-10T10:00:00Z' };
    expect(expressions('outcome-note', outcomeNoteDoc('REF-1', { gpRequests: [bare] } as never)).sort()).toEqual([
      'gpRequests[0].action',
      'gpRequests[0].reason',
    ]);
  });
});

describe('visibility', () => {
  it('requires a reason exactly when the note is withheld from online access', () => {
    const withheld = { confidentiality: 'restricted', withholdFromOnlineAccess: true };
    expect(expressions('outcome-note', outcomeNoteDoc('REF-1', { visibility: withheld } as never))).toEqual([
      'visibility.withholdReason',
    ]);
    const shown = {
      confidentiality: 'normal',
      withholdFromOnlineAccess: false,
      withholdReason: 'third-party-information',
    };
    expect(expressions('outcome-note', outcomeNoteDoc('REF-1', { visibility: shown } as never))).toEqual([
      'visibility.withholdReason',
    ]);
  });
});

describe('barriers and readiness', () => {
  it('requires the type of an other barrier and refuses a type its code contradicts', () => {
    const barriers = [
      { code: 'other', text: 'No bank account' },
      { code: 'housing', type: 'personal' },
      { code: 'confidence', type: 'personal' },
    ];
    expect(expressions('outcome-note', outcomeNoteDoc('REF-1', { barriers } as never))).toEqual([
      'barriers[0].type',
      'barriers[1].type',
    ]);
  });

  it('refuses a motivation level outside low, medium and high', () => {
    const readiness = { stage: 'ready', motivation: 'very', capacity: 'low', assessedAt: '2026-11-10T10:00:00Z' };
    expect(expressions('outcome-note', outcomeNoteDoc('REF-1', { readiness } as never))).toEqual([
      'readiness.motivation',
    ]);
  });
});
