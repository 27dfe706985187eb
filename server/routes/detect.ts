/**
 * `POST /v1/detect {text, format?}`: the language the article would be
 * submitted as, without submitting it. It reads the text the way a submission
 * does (markup stripped, approved brand names and acronyms ignored), so the
 * web page can show the answer before anything is queued.
 */
import type { FastifyPluginAsync } from 'fastify';
import { detectDetailed } from '../../pipeline/detect.js';
import { DOC_FORMATS, ingest } from '../../pipeline/ingest.js';
import { plainText } from '../../pipeline/inline.js';
import type { DocFormat } from '../../pipeline/model.js';
import type { GlossarySnapshot } from '../../workers/submit.js';
import { requireRole, type AuthConfig } from '../auth.js';
import { AUTH_ERRORS, errorResponses } from '../schemas.js';

export interface DetectRouteOptions {
  auth: AuthConfig;
  glossary: () => Promise<GlossarySnapshot>;
}

export const detectRoutes: FastifyPluginAsync<DetectRouteOptions> = async (app, { auth, glossary }) => {
  app.post<{ Body: { text: string; format?: DocFormat; filename?: string } }>(
    '/',
    {
      preHandler: requireRole(auth, 'submitter'),
      schema: {
        summary: 'Detect the language of an article (nothing is queued)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: {
            text: { type: 'string' },
            format: { type: 'string', enum: [...DOC_FORMATS] },
            filename: { type: 'string', maxLength: 255 },
          },
        },
        response: {
          200: {
            type: 'object',
            description: 'The language the article would be submitted as',
            properties: { lang: { type: 'string' }, confidence: { type: 'number' }, best: { type: 'string' }, format: { type: 'string' } },
          },
          ...errorResponses({ ...AUTH_ERRORS, 400: 'invalid-request, empty-input, bad-json …', 413: true, 415: true, 422: 'input-too-deep …' }),
        },
      },
    },
    async (request) => {
      const { text, format, filename } = request.body;
      const doc = ingest(text, { format, filename });
      const plain = doc.blocks
        .filter((b) => b.translatable)
        .map((b) => plainText(b.inline))
        .join('\n');
      const { terms } = await glossary();
      const mask = terms.filter((t) => t.status === 'approved' && t.kind === 'keep').flatMap((t) => [t.term, ...t.variants]);
      const d = detectDetailed(plain, { mask });
      return { lang: d.lang, confidence: d.confidence, ...(d.best ? { best: d.best } : {}), format: doc.format };
    },
  );
};
