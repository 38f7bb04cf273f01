/**
 * Auditors' message search: by message id, source record id, NHS number (through its keyed hash), practice,
 * endpoint, status and time received, newest first, a page at a time, over the ledger's indexes
 * (AuditLedger.findMessageIds).
 */
import type { MessageStatus } from '../messages/record';
import type { AuditLedger } from '../store/ledger';
import type { MessageSummary } from '../store/message-summaries';
import type { PatientKeyer } from '../store/patient-key';

export type { MessageSummary };

export interface MessageQuery {
  readonly messageId?: string;
  readonly recordId?: string;
  readonly nhsNumber?: string;
  readonly practice?: string;
  readonly endpoint?: string;
  readonly status?: MessageStatus;
  /** Received at or after. */
  readonly from?: Date;
  /** Received before. */
  readonly to?: Date;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

export interface SearchResult {
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly items: readonly MessageSummary[];
}

export class MessageSearch {
  constructor(
    private readonly ledger: AuditLedger,
    private readonly patientKey: PatientKeyer,
  ) {}

  async summaries(ids: readonly string[]): Promise<MessageSummary[]> {
    return this.ledger.messages.summaries(ids);
  }

  async search(query: MessageQuery): Promise<SearchResult> {
    const { page, pageSize } = query;
    if (query.messageId !== undefined) {
      const found = (await this.summaries([query.messageId])).filter((s) => matches(s, query));
      return { total: found.length, page, pageSize, items: page === 1 ? found : [] };
    }
    const { total, ids } = await this.ledger.findMessageIds(
      {
        ...(query.practice !== undefined ? { practice: query.practice } : {}),
        ...(query.endpoint !== undefined ? { endpoint: query.endpoint } : {}),
        ...(query.recordId !== undefined ? { recordId: query.recordId } : {}),
        ...(query.nhsNumber !== undefined ? { patientKey: await this.patientKey(query.nhsNumber) } : {}),
        ...(query.status !== undefined ? { status: query.status } : {}),
      },
      {
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.to !== undefined ? { to: query.to } : {}),
      },
      (page - 1) * pageSize,
      pageSize,
    );
    return { total, page, pageSize, items: await this.summaries(ids) };
  }
}

function matches(summary: MessageSummary, query: MessageQuery): boolean {
  const received = Date.parse(summary.receivedAt);
  return (
    (query.practice === undefined || summary.practice === query.practice) &&
    (query.endpoint === undefined || summary.endpoint === query.endpoint) &&
    (query.recordId === undefined || summary.recordId === query.recordId) &&
    (query.status === undefined || summary.status === query.status) &&
    (query.from === undefined || received >= query.from.getTime()) &&
    (query.to === undefined || received < query.to.getTime())
  );
}
