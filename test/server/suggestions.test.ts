/** Every analysed article proposes the tech terms the glossary lacks; reviewers then see them as proposed. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens('') });
});

afterAll(async () => {
  await app?.close();
  await cleanPrefix(config.prefix);
});

async function proposed(): Promise<{ term: string; frequency?: number }[]> {
  const res = await app.inject({ method: 'GET', url: '/v1/glossary/terms?status=proposed&limit=500' });
  expect(res.statusCode).toBe(200);
  return res.json().terms;
}

it('stores new terms of submitted articles as proposed, merged across articles', async () => {
  expect((await proposed()).find((t) => t.term === 'QuarkNet')).toBeUndefined();
  const article = (n: number) =>
    `La start-up QuarkNet a présenté son modèle Zeta${n} lundi. Selon la société, QuarkNet vise les centres de données européens.\n` +
    `Les ingénieurs de QuarkNet affirment que le modèle fonctionne sur des GPU ordinaires et reste open source.\n`;
  for (const n of [1, 2]) {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: article(n), targets: ['en'], provider: 'pseudo' } });
    expect(res.statusCode).toBe(202);
  }
  const terms = await proposed();
  const quark = terms.find((t) => t.term === 'QuarkNet');
  expect(quark, JSON.stringify(terms.map((t) => t.term))).toBeDefined();
  expect(quark!.frequency).toBeGreaterThanOrEqual(6);
  // Terms the glossary already has are not proposed again; ordinary words never are.
  expect(terms.find((t) => t.term === 'GPU')).toBeUndefined();
  expect(terms.find((t) => t.term.toLowerCase() === 'ingénieurs')).toBeUndefined();
});
