/** JSON schemas shared by several routes (request validation and the OpenAPI document). */

/** Every refusal and failure: `{error:{code, message}}`. */
export const errorSchema = {
  type: 'object',
  description: 'What went wrong: a stable code and a sentence in the caller’s language',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
  required: ['error'],
} as const;
