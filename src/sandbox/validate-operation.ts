/**
 * The sandbox's `$validate` operation (POST [base]/[type]/$validate): checks a resource against the R4 base
 * definitions exactly as a write would, and keeps nothing. As the FHIR specification says of $validate, it
 * answers 200 with an OperationOutcome whatever it finds; the issues say whether the resource is valid.
 */
import {
  OperationOutcomeError,
  allOk,
  badRequest,
  isResource,
  normalizeErrorString,
  validateResource,
} from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';

/** The resource to check: the body itself, or the `resource` parameter of a Parameters body. */
function resourceOf(body: unknown): Resource | undefined {
  if (isResource<Parameters>(body, 'Parameters')) {
    return body.parameter?.find((parameter) => parameter.name === 'resource')?.resource;
  }
  return isResource(body) ? body : undefined;
}

function outcomeOf(error: unknown): OperationOutcome {
  return error instanceof OperationOutcomeError ? error.outcome : badRequest(normalizeErrorString(error));
}

export function validateOperation(req: FhirRequest): Promise<FhirResponse> {
  const resource = resourceOf(req.body);
  const resourceType = req.params.resourceType;
  if (resource === undefined || resource.resourceType !== resourceType) {
    return Promise.resolve([badRequest(`$validate needs a ${resourceType ?? ''} resource in the body`)]);
  }
  try {
    validateResource(resource);
  } catch (error) {
    return Promise.resolve([allOk, outcomeOf(error)]);
  }
  return Promise.resolve([allOk, allOk]);
}
