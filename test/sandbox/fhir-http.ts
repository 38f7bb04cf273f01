/** A small FHIR-over-HTTP helper for the sandbox tests, on Node's global fetch. */
import type { Resource } from '@medplum/fhirtypes';

export interface FhirReply<T extends Resource = Resource> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export async function fhir<T extends Resource = Resource>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<FhirReply<T>> {
  const response = await fetch(`${baseUrl}/${path}`, {
    method,
    headers: {
      accept: 'application/fhir+json',
      ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}
