/**
 * The risks section of the episode document: what the latest risk assessment of the episode found, either no
 * known risks or each active risk with how to stay safe. It is given the episode without its withheld notes, and
 * says nothing of safeguarding: a safeguarding entry is named only as a restricted entry (see withheld.ts).
 */
import type { Risks } from '../../messages/sections/risks';
import { RISK_SUBJECT_CODES } from '../section-codes';
import type { Episode } from './episode';
import { formatDay } from './format';
import type { DocumentBlock, DocumentSection } from './model';

function latestAssessment(episode: Episode): Risks | undefined {
  return [episode.referral, ...episode.outcomeNotes]
    .flatMap((record) => (record.risks === undefined ? [] : [record.risks]))
    .reduce<Risks | undefined>(
      (latest, risks) =>
        latest === undefined || Date.parse(risks.assessedAt) > Date.parse(latest.assessedAt) ? risks : latest,
      undefined,
    );
}

function findings(risks: Risks | undefined): DocumentBlock[] {
  if (risks === undefined) {
    return [{ kind: 'paragraph', text: 'No risk assessment was recorded.' }];
  }
  const assessed = formatDay(risks.assessedAt);
  if (risks.noKnownRisks === true) {
    return [{ kind: 'paragraph', text: `No known risks (assessed ${assessed}).` }];
  }
  const items = risks.items
    .filter((item) => item.status === 'active')
    .map((item) => {
      const what = item.risk.text ?? `SNOMED CT ${item.risk.snomed ?? ''}`;
      const safe = item.precautions === undefined ? '' : ` (${item.precautions})`;
      return `${RISK_SUBJECT_CODES[item.to].display ?? item.to}: ${what}${safe}`;
    });
  return [
    { kind: 'paragraph', text: `Assessed ${assessed}.` },
    { kind: 'list', items },
  ];
}

export function risksSection(episode: Episode): DocumentSection {
  return { heading: 'Risks', blocks: findings(latestAssessment(episode)) };
}
