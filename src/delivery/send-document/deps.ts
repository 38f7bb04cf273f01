/**
 * What the Send Document route needs, passed in by the composition root: the stores, the MESH client and settings
 * of each endpoint that uses the route, and the clock.
 */
import type { MeshSettings } from '../../config/mesh-schema';
import type { RetryPolicy } from '../../config/schema';
import type { EpisodeDocumentStore } from '../../store/episode-documents';
import type { AuditLedger } from '../../store/ledger';
import type { MessageStore } from '../../store/message-store';
import type { PatientKeyer } from '../../store/patient-key';
import type { MeshClient } from '../mesh/client';

/** One endpoint's MESH mailbox as the route uses it. */
export interface MeshRoute {
  readonly endpointId: string;
  /** Where the MESH API is reached (the embedded sandbox's address for "sandbox"). */
  readonly baseUrl: string;
  readonly settings: MeshSettings;
  readonly retry: RetryPolicy;
  readonly client: Pick<MeshClient, 'handshake' | 'send' | 'trackByLocalId' | 'inbox' | 'download' | 'acknowledge'>;
}

export interface SendDocumentDeps {
  readonly documents: EpisodeDocumentStore;
  readonly messages: MessageStore;
  readonly ledger: AuditLedger;
  readonly patientKey: PatientKeyer;
  /** The MESH route of an endpoint, or undefined when it does not use mesh-send-document. */
  meshRoute(endpointId: string): MeshRoute | undefined;
  /** A document left in `sending` this long is taken over: the worker that claimed it died. */
  readonly staleClaimMs: number;
  now(): Date;
  readonly random?: () => number;
}
