/**
 * The domain rules of the record's sections (risks, safeguarding, consent, requests to the GP, visibility and
 * barriers) that their schemas cannot express: dates not in the future and in order, one key per part, fields
 * required or refused by another's value, and the combinations the project will not deliver to a GP record.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { invalidIssue } from '../issues';
import type { Path } from '../rule-helpers';
import { checkUniqueKeys, duplicates, notInFuture } from '../rule-helpers';
import type { BarrierType, OutcomeNoteMessage, ReferralMessage } from '../schemas';
import { BARRIER_TYPE_OF_CODE } from './barriers';
import type { ConsentToShare } from './consent';
import type { GpRequest } from './gp-requests';
import type { Risks } from './risks';
import type { SafeguardingConcern } from './safeguarding';
import type { Visibility } from './visibility';

type Issues = OperationOutcomeIssue[];

function checkRisks(issues: Issues, risks: Risks | undefined, now: Date): void {
  if (risks === undefined) {
    return;
  }
  notInFuture(issues, ['risks', 'assessedAt'], risks.assessedAt, now);
  const active = risks.items.filter((item) => item.status === 'active');
  if (risks.noKnownRisks === true && active.length > 0) {
    issues.push(
      invalidIssue(['risks', 'noKnownRisks'], 'cannot be true while risks.items lists an active risk', 'value'),
    );
  }
  if (risks.noKnownRisks !== true && active.length === 0) {
    issues.push(
      invalidIssue(['risks'], 'must list at least one active risk in items, or say noKnownRisks: true', 'required'),
    );
  }
  risks.items.forEach((item, i) => {
    if (item.identifiedAt !== undefined && Date.parse(item.identifiedAt) > Date.parse(risks.assessedAt)) {
      issues.push(
        invalidIssue(
          ['risks', 'items', i, 'identifiedAt'],
          'must not be after the assessment (risks.assessedAt)',
          'value',
        ),
      );
    }
  });
  checkUniqueKeys(issues, ['risks', 'items'], risks.items);
}

function checkSafeguarding(issues: Issues, concerns: readonly SafeguardingConcern[] | undefined, now: Date): void {
  (concerns ?? []).forEach((concern, i) => {
    const path: Path = ['safeguarding', i];
    notInFuture(issues, [...path, 'raisedAt'], concern.raisedAt, now);
    notInFuture(issues, [...path, 'referredAt'], concern.referredAt, now);
    if (Date.parse(concern.referredAt) < Date.parse(concern.raisedAt)) {
      issues.push(
        invalidIssue([...path, 'referredAt'], 'must not be before the concern was raised (raisedAt)', 'value'),
      );
    }
    if (concern.status === 'closed' && concern.closedAt === undefined) {
      issues.push(invalidIssue([...path, 'closedAt'], 'is required when the status is closed', 'required'));
    }
    if (concern.closedAt !== undefined) {
      if (concern.status !== 'closed') {
        issues.push(invalidIssue([...path, 'closedAt'], 'is allowed only when the status is closed', 'value'));
      }
      notInFuture(issues, [...path, 'closedAt'], concern.closedAt, now);
      if (Date.parse(concern.closedAt) < Date.parse(concern.raisedAt)) {
        issues.push(
          invalidIssue([...path, 'closedAt'], 'must not be before the concern was raised (raisedAt)', 'value'),
        );
      }
    }
  });
  checkUniqueKeys(issues, ['safeguarding'], concerns ?? []);
}

/**
 * Consent to share with the practice is what allows the record into the GP record at all: a record whose person
 * refused it is refused here, so nothing of it is written. A withdrawal is delivered (the practice must learn
 * that nothing more will come), and so is any answer about sharing with others.
 */
function checkConsent(issues: Issues, consent: ConsentToShare | undefined, now: Date): void {
  if (consent === undefined) {
    return;
  }
  notInFuture(issues, ['consent', 'recordedAt'], consent.recordedAt, now);
  if (consent.gpPractice === 'refused') {
    issues.push(
      invalidIssue(
        ['consent', 'gpPractice'],
        'the person refused to share this record with their GP practice, so it cannot be sent to the GP record',
        'value',
      ),
    );
  }
  const repeated = duplicates(consent.others.map((other) => other.recipient));
  consent.others.forEach((other, i) => {
    if (repeated.has(other.recipient)) {
      issues.push(
        invalidIssue(['consent', 'others', i, 'recipient'], `"${other.recipient}" is named more than once`, 'value'),
      );
    }
  });
}

/** A request is made no later than the record carrying it is sent (the Task's lastModified is the sending). */
function checkGpRequests(issues: Issues, requests: readonly GpRequest[] | undefined, sentAt: string): void {
  (requests ?? []).forEach((request, i) => {
    if (Date.parse(request.requestedAt) > Date.parse(sentAt)) {
      issues.push(
        invalidIssue(
          ['gpRequests', i, 'requestedAt'],
          'must not be after the record was sent (source.sentAt)',
          'value',
        ),
      );
    }
  });
  checkUniqueKeys(issues, ['gpRequests'], requests ?? []);
}

function checkVisibility(issues: Issues, visibility: Visibility | undefined): void {
  if (visibility === undefined) {
    return;
  }
  if (visibility.withholdFromOnlineAccess && visibility.withholdReason === undefined) {
    issues.push(
      invalidIssue(['visibility', 'withholdReason'], 'is required when withholdFromOnlineAccess is true', 'required'),
    );
  }
  if (!visibility.withholdFromOnlineAccess && visibility.withholdReason !== undefined) {
    issues.push(
      invalidIssue(['visibility', 'withholdReason'], 'is allowed only when withholdFromOnlineAccess is true', 'value'),
    );
  }
}

/** A barrier's type is required for `other` and, where its code implies one, must agree with it. */
export function checkBarriers(
  issues: Issues,
  path: Path,
  barriers: readonly { readonly code: keyof typeof BARRIER_TYPE_OF_CODE; readonly type?: BarrierType | undefined }[],
): void {
  barriers.forEach((barrier, i) => {
    const implied = BARRIER_TYPE_OF_CODE[barrier.code];
    if (implied === undefined && barrier.type === undefined) {
      issues.push(
        invalidIssue([...path, i, 'type'], 'is required for an other barrier (structural or personal)', 'required'),
      );
    }
    if (implied !== undefined && barrier.type !== undefined && barrier.type !== implied) {
      issues.push(invalidIssue([...path, i, 'type'], `must be ${implied} for a ${barrier.code} barrier`, 'value'));
    }
  });
}

export function checkReferralSections(issues: Issues, referral: ReferralMessage, now: Date): void {
  checkRisks(issues, referral.risks, now);
  checkSafeguarding(issues, referral.safeguarding, now);
  checkConsent(issues, referral.consent, now);
  checkGpRequests(issues, referral.gpRequests, referral.source.sentAt);
}

export function checkOutcomeNoteSections(issues: Issues, note: OutcomeNoteMessage, now: Date): void {
  checkRisks(issues, note.risks, now);
  checkSafeguarding(issues, note.safeguarding, now);
  checkGpRequests(issues, note.gpRequests, note.source.sentAt);
  checkVisibility(issues, note.visibility);
  checkBarriers(issues, ['barriers'], note.barriers ?? []);
}
