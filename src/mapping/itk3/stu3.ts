/**
 * The FHIR STU3 (3.0.2) shapes the ITK3 messages use, written here because STU3 differs from the R4 types the
 * rest of the project uses (MessageHeader.event is a Coding, Composition.relatesTo has targetIdentifier, Binary
 * has `content`, no `data`). Only the elements the messages populate are declared.
 */

export interface Stu3Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface Stu3Identifier {
  readonly system?: string;
  readonly value: string;
}

export interface Stu3Reference {
  readonly reference: string;
}

export interface Stu3Meta {
  readonly profile: readonly string[];
  readonly versionId?: string;
}

export type Stu3Extension =
  | { readonly url: string; readonly extension: readonly Stu3Extension[] }
  | { readonly url: string; readonly valueBoolean: boolean }
  | { readonly url: string; readonly valueString: string }
  | { readonly url: string; readonly valueCoding: Stu3Coding }
  | { readonly url: string; readonly valueReference: Stu3Reference };

export interface Stu3MessageHeader {
  readonly resourceType: 'MessageHeader';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly extension: readonly Stu3Extension[];
  readonly event: Stu3Coding;
  readonly sender: Stu3Reference;
  readonly timestamp: string;
  readonly source: { readonly endpoint: string };
  readonly response?: {
    readonly identifier: string;
    readonly code: 'ok' | 'transient-error' | 'fatal-error';
    readonly details?: Stu3Reference;
  };
  readonly focus?: Stu3Reference;
}

export interface Stu3HumanName {
  readonly use: 'official';
  readonly text?: string;
  readonly family?: string;
  readonly given?: readonly string[];
}

export interface Stu3ContactPoint {
  readonly system: 'phone';
  readonly value: string;
  readonly use: 'work';
}

export interface Stu3Organization {
  readonly resourceType: 'Organization';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly identifier: readonly Stu3Identifier[];
  readonly name?: string;
  readonly telecom?: readonly Stu3ContactPoint[];
}

export interface Stu3Practitioner {
  readonly resourceType: 'Practitioner';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly identifier?: readonly Stu3Identifier[];
  readonly name: readonly Stu3HumanName[];
}

export interface Stu3Patient {
  readonly resourceType: 'Patient';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly identifier: readonly Stu3Identifier[];
  readonly name: readonly Stu3HumanName[];
  readonly birthDate: string;
}

export interface Stu3Binary {
  readonly resourceType: 'Binary';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly contentType: string;
  /** base64 */
  readonly content: string;
}

export interface Stu3Composition {
  readonly resourceType: 'Composition';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly identifier: Stu3Identifier;
  readonly status: 'final';
  readonly type: { readonly coding: readonly Stu3Coding[] };
  readonly subject: Stu3Reference;
  readonly date: string;
  readonly author: readonly Stu3Reference[];
  readonly title: string;
  readonly confidentiality: 'N' | 'R';
  readonly custodian: Stu3Reference;
  readonly text: { readonly status: 'generated'; readonly div: string };
  readonly relatesTo?: readonly { readonly code: 'replaces'; readonly targetIdentifier: Stu3Identifier }[];
  readonly section: readonly {
    readonly title: string;
    readonly entry: readonly Stu3Reference[];
  }[];
}

export interface Stu3OperationOutcome {
  readonly resourceType: 'OperationOutcome';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly issue: readonly {
    readonly severity: 'fatal' | 'error' | 'warning' | 'information';
    readonly code: string;
    readonly details: { readonly coding: readonly Stu3Coding[] };
    readonly diagnostics?: string;
  }[];
}

export type Stu3Resource =
  | Stu3MessageHeader
  | Stu3Organization
  | Stu3Practitioner
  | Stu3Patient
  | Stu3Binary
  | Stu3Composition
  | Stu3OperationOutcome
  | Stu3Bundle;

export interface Stu3BundleEntry {
  readonly fullUrl: string;
  readonly resource: Stu3Resource;
}

export interface Stu3Bundle {
  readonly resourceType: 'Bundle';
  readonly id: string;
  readonly meta: Stu3Meta;
  readonly identifier: Stu3Identifier;
  readonly type: 'message' | 'document';
  readonly entry: readonly Stu3BundleEntry[];
}
