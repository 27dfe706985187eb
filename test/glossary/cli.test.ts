import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GlossaryStore } from '../../glossary/store.js';
import { ROOT, runCli, SAMPLE_FR } from '../helpers.js';
import { buildApp, redisEnv, TOKENS } from './helpers.js';

const env = redisEnv();
let store: GlossaryStore;
let app: FastifyInstance;
let server: string;
const dir = mkdtempSync(join(tmpdir(), 'lf-gloss-'));

beforeAll(async () => {
  store = env.open();
  app = await buildApp(store);
  await app.listen({ port: 0, host: '127.0.0.1' });
  server = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await app.close();
  await env.cleanup();
});

const cli = (args: string[], token?: string) => runCli(['glossary', ...args], { env: { LOCFLOW_SERVER: server, LOCFLOW_TOKEN: token ?? '' } });

describe('locflow glossary', () => {
  it('proposes, refuses a submitter approval with exit 2, approves as reviewer, lists', async () => {
    const p = await cli(['propose', 'NIM', '--lang', 'fr', '--note', 'Nvidia Inference Microservices', '--json'], TOKENS.submitter);
    expect(p.code, p.stderr).toBe(0);
    const id = JSON.parse(p.stdout).id as string;

    const denied = await cli(['approve', id], TOKENS.submitter);
    expect(denied.code).toBe(2);
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
    expect(denied.stderr).toMatch(/403.*reviewer/);

    const noToken = await cli(['approve', id]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/401/);

    const ok = await cli(['approve', id, '--comment', 'ok'], TOKENS.reviewer);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/approved\tkeep\tfr\tNIM/);

    const list = await cli(['list', '--status', 'approved', '--json'], TOKENS.submitter);
    expect(JSON.parse(list.stdout).terms.map((t: { term: string }) => t.term)).toEqual(['NIM']);
  });

  it('imports and exports files', async () => {
    const imp = await cli(['import', join(ROOT, 'glossary', 'tech.yaml'), '--json'], TOKENS.reviewer);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout).total).toBeGreaterThan(40);
    const out = join(dir, 'g.tbx');
    const exp = await cli(['export', '--out', out], TOKENS.submitter);
    expect(exp.code, exp.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('<martif type="TBX-Basic"');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'IA,AI\n');
    const refused = await cli(['import', bad], TOKENS.reviewer);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/422.*source=fr&target=en/);
  });

  it('says in one line when the server is unreachable', async () => {
    const r = await runCli(['glossary', 'list', '--server', 'http://127.0.0.1:9'], { env: { LOCFLOW_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the locflow server/);
  });

  it('suggests offline without saving', async () => {
    const before = (await store.all()).length;
    const r = await runCli(['glossary', 'suggest', SAMPLE_FR, '--no-glossary', '--json'], { env: { LOCFLOW_SERVER: 'http://127.0.0.1:9' } });
    expect(r.code, r.stderr).toBe(0);
    const terms = (JSON.parse(r.stdout) as { term: string }[]).map((s) => s.term);
    expect(terms).toEqual(expect.arrayContaining(['GPU', 'NIM', 'R1', 'V3', 'DeepSeek']));
    const seeded = await runCli(['glossary', 'suggest', SAMPLE_FR, '--json']);
    expect((JSON.parse(seeded.stdout) as { term: string }[]).map((s) => s.term)).not.toContain('DeepSeek');
    expect((await store.all()).length).toBe(before);
  });
});
