/**
 * The sandbox playing receiving GP practices: when a consultation report (GPFED_CONSULT_REPORT) lands in a practice
 * mailbox, the practice collects it and posts acknowledgements back into the sender's inbox, according to its mode:
 * `accept` (positive acks), `reject` (negative business ack with a reason) or `silent` (the report is left
 * uncollected and no acks come, as when a practice system is down).
 */
import type { AckProducer, PracticeDecision, RejectionReason } from './acks';
import { CONSULT_REPORT_WORKFLOW } from './acks';
import type { MeshMailStore, StoredMessage } from './mail-store';
import { messageBytes } from './mail-store';

export type PracticeMode = 'accept' | 'reject' | 'silent';

export interface PracticeSetting {
  readonly mode: PracticeMode;
  /** The reason a `reject` practice gives; a generic one when absent. */
  readonly reason?: RejectionReason;
}

export const DEFAULT_REJECTION: RejectionReason = {
  code: 'SANDBOX-REJECT',
  text: 'The sandbox practice was set to reject consultation reports',
};

export class ReceivingPractices {
  private readonly settings = new Map<string, PracticeSetting>();

  constructor(
    private readonly store: MeshMailStore,
    practices: Readonly<Record<string, PracticeSetting>>,
    private readonly produceAcks: AckProducer,
    private readonly now: () => Date,
  ) {
    for (const [mailbox, setting] of Object.entries(practices)) {
      this.settings.set(mailbox.toUpperCase(), setting);
    }
    store.onDelivered((message) => {
      this.receive(message);
    });
  }

  /** Makes `mailbox` a receiving practice (or changes how it answers); it must be one of the sandbox's mailboxes. */
  set(mailbox: string, setting: PracticeSetting): void {
    const id = mailbox.toUpperCase();
    if (this.store.mailbox(id) === undefined) {
      throw new Error(`${id} is not a mailbox of this sandbox`);
    }
    this.settings.set(id, setting);
  }

  setting(mailbox: string): PracticeSetting | undefined {
    return this.settings.get(mailbox.toUpperCase());
  }

  private receive(message: StoredMessage): void {
    const setting = this.settings.get(message.to);
    if (setting === undefined || message.workflowId !== CONSULT_REPORT_WORKFLOW || setting.mode === 'silent') {
      return;
    }
    this.store.acknowledge(message.to, message.messageId);
    const decision: PracticeDecision =
      setting.mode === 'accept'
        ? { outcome: 'accepted' }
        : { outcome: 'rejected', reason: setting.reason ?? DEFAULT_REJECTION };
    const report = {
      messageId: message.messageId,
      from: message.from,
      practice: message.to,
      workflowId: message.workflowId,
      ...(message.localId !== undefined ? { localId: message.localId } : {}),
      body: messageBytes(message),
      ...(message.contentEncoding !== undefined ? { contentEncoding: message.contentEncoding } : {}),
    };
    for (const ack of this.produceAcks(report, decision, this.now())) {
      const posted = this.store.start(
        {
          from: message.to,
          to: message.from,
          workflowId: ack.workflowId,
          fileName: ack.fileName,
          subject: ack.subject,
          contentType: ack.contentType,
          localId: message.messageId,
        },
        1,
        ack.body,
      );
      this.store.finish(posted);
    }
  }
}
