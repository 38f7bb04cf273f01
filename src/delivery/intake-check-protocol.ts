/** The messages between intake and an intake check thread (delivery/intake-check-worker.ts). */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { InboundMessage } from '../messages/schemas';

export interface CheckRequest {
  readonly id: number;
  readonly message: InboundMessage;
  /** The intake's clock, as an ISO instant (the mapping's recordedAt). */
  readonly now: string;
}

export type CheckReply =
  /** The thread has built its checker and takes requests. */
  | { readonly ready: true }
  | { readonly id: number; readonly issues: OperationOutcomeIssue[] }
  /** The check threw: its message, as the in-process check would have thrown it. */
  | { readonly id: number; readonly error: string };
