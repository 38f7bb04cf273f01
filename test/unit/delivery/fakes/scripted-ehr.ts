/**
 * A scripted stand-in for an EHR's FHIR API (the FhirRequests a delivery attempt sends), for fast tests. By
 * default it behaves like a healthy EHR holding one patient and nothing else; a test replaces the answer to any
 * step of the attempt, or makes it throw as the real client does when the EHR cannot be reached. Every request
 * is remembered with the request id it carried.
 */
import type { Bundle, BundleEntry, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import type { FhirRequests, FhirResponse } from '../../../../src/delivery/fhir-client';

/** The steps of one attempt, in the order the adapter sends them. */
export type EhrStep = 'patient lookup' | 'referral lookup' | 'version check' | 'next page' | 'transaction';

export interface SeenRequest {
  readonly step: EhrStep;
  readonly requestId: string | undefined;
  readonly resourceType?: string;
  readonly query?: Readonly<Record<string, string>>;
  /** The link a `next page` request followed. */
  readonly link?: string;
  readonly bundle?: Bundle;
}

export type Answer = (request: SeenRequest) => FhirResponse;

export function response(status: number, body?: unknown, headers: Record<string, string> = {}): FhirResponse {
  return { status, body, headers: new Headers(headers), latencyMs: 1, afterTokenRefresh: false };
}

export function searchset(resources: readonly Resource[]): FhirResponse {
  return response(200, {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({ resource })),
  } satisfies Bundle);
}

/** A 200 transaction-response with one entry per request entry; `statuses` overrides entries by index. */
export function transactionResponse(
  request: Bundle | undefined,
  statuses: Readonly<Record<number, { readonly status: string; readonly outcome?: OperationOutcome }>> = {},
): FhirResponse {
  const entries = (request?.entry ?? []).map((entry: BundleEntry, index): BundleEntry => {
    const override = statuses[index];
    if (override !== undefined) {
      return { response: { status: override.status, ...(override.outcome ? { outcome: override.outcome } : {}) } };
    }
    const type = entry.resource?.resourceType ?? 'Resource';
    return { response: { status: '201 Created', location: `${type}/${type.toLowerCase()}-${index}/_history/1` } };
  });
  return response(200, { resourceType: 'Bundle', type: 'transaction-response', entry: entries } satisfies Bundle);
}

export const PATIENT_ID = 'patient-1';

/** The EHR's Patient: the person the example referral names (examples/referral.json). */
export const EHR_PATIENT: Patient = {
  resourceType: 'Patient',
  id: PATIENT_ID,
  name: [{ use: 'official', family: 'Example', given: ['Ada'] }],
  birthDate: '1952-04-11',
};

const HEALTHY: Readonly<Record<EhrStep, Answer>> = {
  'patient lookup': () => searchset([EHR_PATIENT]),
  'referral lookup': () =>
    searchset([
      {
        resourceType: 'ServiceRequest',
        id: 'referral-1',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${PATIENT_ID}` },
      },
    ]),
  'version check': () => searchset([]),
  'next page': () => searchset([]),
  transaction: (request) => transactionResponse(request.bundle),
};

export class ScriptedEhr implements FhirRequests {
  readonly requests: SeenRequest[] = [];
  private readonly answers: Readonly<Record<EhrStep, Answer>>;

  /**
   * @param script - answers replacing the healthy EHR's, per step
   * @param onRequest - called before each answer (tests advance their clock here to give requests a duration)
   */
  constructor(
    script: Partial<Record<EhrStep, Answer>> = {},
    private readonly onRequest: () => void = () => undefined,
    private readonly requestId?: string,
    log?: SeenRequest[],
  ) {
    this.answers = { ...HEALTHY, ...script };
    if (log !== undefined) {
      this.requests = log;
    }
  }

  withRequestId(requestId: string): ScriptedEhr {
    return new ScriptedEhr(this.answers, this.onRequest, requestId, this.requests);
  }

  async search(resourceType: string, query: Readonly<Record<string, string>>): Promise<FhirResponse> {
    // The lookups ask for ids only; the version check needs the resource itself.
    const step: EhrStep =
      resourceType === 'Patient' ? 'patient lookup' : query._elements === 'id' ? 'referral lookup' : 'version check';
    return this.answer({ step, requestId: this.requestId, resourceType, query });
  }

  async page(link: string): Promise<FhirResponse> {
    return this.answer({ step: 'next page', requestId: this.requestId, link });
  }

  async transaction(bundle: Bundle): Promise<FhirResponse> {
    return this.answer({ step: 'transaction', requestId: this.requestId, bundle });
  }

  /** The steps the EHR was asked for, in order. */
  steps(): EhrStep[] {
    return this.requests.map((request) => request.step);
  }

  private async answer(request: SeenRequest): Promise<FhirResponse> {
    this.requests.push(request);
    this.onRequest();
    return Promise.resolve(this.answers[request.step](request));
  }
}
