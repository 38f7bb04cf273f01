/**
 * The pieces the OpenAPI description's route parts share: an OperationOutcome error answer, a JSON answer, query
 * parameters and request bodies generated from the zod schemas the routes validate with, and a path id.
 */
import { z } from 'zod';

export type JsonObject = Record<string, unknown>;

const OUTCOME_REF = '#/components/schemas/OperationOutcome';

export function errorResponse(description: string): JsonObject {
  return { description, content: { 'application/fhir+json': { schema: { $ref: OUTCOME_REF } } } };
}

export function jsonResponse(description: string, schema: JsonObject): JsonObject {
  return { description, content: { 'application/json': { schema } } };
}

/**
 * Every field of a query schema as a query parameter. `io` says which side of the schema each type is read from:
 * the type the route reads it as (`output`), or what the client sends (`input`, for schemas that transform, such
 * as dates). A parameter is required when the client must send it.
 */
export function queryParameters(schema: z.ZodObject, io: 'input' | 'output' = 'output'): JsonObject[] {
  const json = z.toJSONSchema(schema, { io, target: 'openapi-3.0' }) as { properties?: Record<string, JsonObject> };
  const sent = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' }) as { required?: readonly string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: sent.required?.includes(name) ?? false,
    schema: property,
  }));
}

export function body(schema: z.ZodType, required: boolean, description?: string): JsonObject {
  return {
    required,
    ...(description !== undefined ? { description } : {}),
    content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' }) } },
  };
}

export const idParameter = (description: string): JsonObject => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', format: 'uuid' },
});
