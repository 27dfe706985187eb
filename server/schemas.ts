/**
 * JSON schemas shared by several routes. Route `response` schemas are the
 * source of the OpenAPI document at /docs (so it cannot drift from the
 * routes), and Fastify also serializes with them: every object whose shape
 * is open keeps `additionalProperties: true`, or the serializer would drop
 * what it does not list.
 */

/** Every refusal and failure: `{error:{code, message}}` (some codes add fields, e.g. `revision` on 412 revision-stale). */
export const errorSchema = {
  type: 'object',
  description: 'What went wrong: a stable code and a sentence in the caller’s language',
  properties: {
    error: {
      type: 'object',
      additionalProperties: true,
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** What a status means wherever it is answered; a route adds its own codes after these. */
const USUAL: Record<number, string> = {
  400: 'invalid-request (and the other 400 codes): the request is malformed',
  401: 'unauthorized: no valid bearer token or session',
  403: 'forbidden: the token’s role may not do this (or cross-site: a write from another site’s page on an open server)',
  404: 'not found',
  413: 'body-too-large: the body exceeds the limit',
  415: 'unsupported-media-type: the body is not of an accepted type',
  429: 'too-many-auth-failures: too many failed sign-ins from this address (Retry-After)',
  503: 'unavailable: Redis cannot take the request now (Retry-After)',
};

const RETRY_AFTER = { 'retry-after': { type: 'string', description: 'Seconds to wait before trying again' } };

/**
 * Error responses for a route: each status with the `{error:{code,message}}`
 * schema and a description of when it is answered. `statuses` maps a status
 * to its description, or to `true` for the usual one.
 */
export function errorResponses(statuses: Record<number, string | true>): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [key, text] of Object.entries(statuses)) {
    const status = Number(key);
    const description = text === true ? (USUAL[status] ?? 'error') : text;
    out[status] = { ...errorSchema, description, ...(status === 429 || status === 503 || description.includes('Retry-After') ? { headers: RETRY_AFTER } : {}) };
  }
  return out;
}

/** What every route that needs a token may answer, besides its own codes. */
export const AUTH_ERRORS = { 401: true, 403: true, 429: true, 503: true } as const;

/** A glossary term, as PRODUCT.md's glossary model (history included). */
export const termSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    term: { type: 'string' },
    lang: { type: 'string' },
    kind: { type: 'string', enum: ['keep', 'translate', 'forbidden'] },
    translations: { type: 'object', additionalProperties: { type: 'string' } },
    grammar: { type: ['object', 'null'], additionalProperties: true },
    variants: { type: 'array', items: { type: 'string' } },
    caseSensitive: { type: 'boolean' },
    status: { type: 'string', enum: ['proposed', 'approved', 'rejected', 'deprecated'] },
    note: { type: ['string', 'null'] },
    history: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { at: { type: 'string' }, by: { type: 'string' }, action: { type: 'string' } } } },
    frequency: { type: ['integer', 'null'] },
    example: { type: ['string', 'null'] },
  },
} as const;

/** Two approved terms that overlap or contradict each other. */
export const conflictSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    type: { type: 'string' },
    lang: { type: 'string' },
    terms: { type: 'array', items: { type: 'string' } },
    forms: { type: 'array', items: { type: 'string' } },
    message: { type: 'string' },
  },
} as const;

/** A file download: the bytes themselves. */
export const binary = (description: string, types: string[], headers: Record<string, unknown> = {}) => ({
  description,
  ...(Object.keys(headers).length ? { headers } : {}),
  content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
});

/** A server-sent event stream (the connection stays open). */
export const eventStream = (description: string) => ({ description, content: { 'text/event-stream': { schema: { type: 'string' } } } });

/** 204: no body. */
export const noContent = (description: string) => ({ type: 'null', description });

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Parts of the route's schema for the OpenAPI document only (a body the
     * route reads itself, an enum the route checks with a better message than
     * the validator's): they replace the schema's parts of the same name there.
     */
    openapi?: Record<string, unknown>;
  }
}

interface Operation {
  parameters?: unknown[];
  responses?: Record<string, { headers?: Record<string, unknown> }>;
}
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
}

const REQUEST_ID = 'The request’s id: the caller’s X-Request-Id when it is 1 to 128 of A–Z a–z 0–9 . _ : -, else one the server made; every log line of the request carries it';

/**
 * What every operation shares, added once to the generated document rather
 * than to each route: the X-Request-Id request header and its echo on every
 * response, and the error object as a named schema.
 */
export function withCommonHeaders(doc: OpenApiDocument): OpenApiDocument {
  const components = (doc.components ??= {});
  components.schemas = { ...components.schemas, Error: errorSchema };
  components.parameters = { ...components.parameters, XRequestId: { name: 'X-Request-Id', in: 'header', required: false, description: REQUEST_ID, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } } };
  components.headers = { ...components.headers, XRequestId: { description: REQUEST_ID, schema: { type: 'string' } } };
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      op.parameters = [...(op.parameters ?? []).filter((p) => (p as { name?: string }).name?.toLowerCase() !== 'x-request-id'), { $ref: '#/components/parameters/XRequestId' }];
      for (const response of Object.values(op.responses ?? {})) response.headers = { ...response.headers, 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } };
    }
  }
  return doc;
}
