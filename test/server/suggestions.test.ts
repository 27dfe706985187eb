/** Every analysed article proposes the tech terms the glossary lacks; reviewers then see them as proposed. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;
let second: FastifyInstance | undefined;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens('') });
});

afterAll(async () => {
  await second?.close();
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

it('applies an approval made through another API process to the next submission and stops proposing the term', async () => {
  // A second API on the same Redis prefix, as when several API processes serve one deployment.
  second = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens('') });
  const article = (n: number) => `Le laboratoire Helionyx a publié son modèle Orbis${n} mardi. Helionyx affirme que Orbis${n} dépasse ses concurrents, et Helionyx promet une version ouverte.\n`;
  const submit = async (server: FastifyInstance, n: number) => {
    const res = await server.inject({ method: 'POST', url: '/v1/jobs', payload: { text: article(n), targets: ['en'], provider: 'pseudo' } });
    expect(res.statusCode, res.body).toBe(202);
    return (await server.inject({ method: 'GET', url: `/v1/jobs/${res.json().id}` })).json() as { glossaryVersion: string };
  };
  const before = await submit(second, 1);
  const helionyx = (await proposed()).find((t) => t.term === 'Helionyx') as { id: string; frequency: number } | undefined;
  expect(helionyx?.frequency).toBeGreaterThanOrEqual(2);
  const approve = await app.inject({ method: 'POST', url: `/v1/glossary/terms/${helionyx!.id}/approve` });
  expect(approve.statusCode, approve.body).toBe(200);
  const after = await submit(second, 2);
  expect(after.glossaryVersion).not.toBe(before.glossaryVersion);
  // The other process matched it as an approved term, so it was not counted as a suggestion again.
  const term = (await app.inject({ method: 'GET', url: `/v1/glossary/terms/${helionyx!.id}` })).json();
  expect(term).toMatchObject({ status: 'approved', frequency: helionyx!.frequency });
  expect((await proposed()).find((t) => t.term === 'Orbis2')).toBeDefined();
});
