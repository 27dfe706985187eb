import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatGlossaryFile, parseGlossaryFile, type GlossaryFormat } from '../../glossary/io/index.js';
import { termContent } from '../../glossary/schema.js';
import type { Term } from '../../pipeline/model.js';
import { ROOT } from '../helpers.js';
import { bearer, buildApp, redisEnv, TOKENS } from './helpers.js';

const env = redisEnv();
afterAll(() => env.cleanup());

const SEED = readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8');
const CONTENT_TYPE: Record<GlossaryFormat, string> = { yaml: 'application/yaml', csv: 'text/csv', tsv: 'text/tab-separated-values', tbx: 'application/x-tbx+xml' };

const content = (terms: Term[]) => terms.map(termContent).sort((a, b) => a.id.localeCompare(b.id));

/** Terms with every feature the formats must carry, beyond what tech.yaml uses. */
const EXTRA: Term[] = [
  { id: 't_extra1', term: 'code "ouvert", libre', lang: 'fr', kind: 'translate', translations: { en: 'open, "free" code', 'pt-BR': 'código aberto' }, variants: ['code-ouvert'], caseSensitive: false, status: 'proposed', note: 'line one\nline two & <tags>', frequency: 7, example: 'Le code « ouvert » gagne.' },
  { id: 't_extra2', term: 'IA générative', lang: 'fr', kind: 'forbidden', translations: { en: 'generative A.I.' }, variants: [], caseSensitive: true, status: 'rejected' },
];

describe('import/export', () => {
  for (const format of ['tbx', 'csv', 'tsv', 'yaml'] as const) {
    it(`round-trips tech.yaml through the API as ${format} into a fresh prefix`, async () => {
      const a = env.open();
      const appA = await buildApp(a);
      const seeded = await appA.inject({ method: 'POST', url: '/v1/glossary/import?format=yaml', headers: { ...bearer(TOKENS.reviewer), 'content-type': 'application/yaml' }, payload: SEED });
      expect(seeded.statusCode, seeded.body).toBe(200);
      expect(seeded.json().created).toBeGreaterThan(40);
      await a.importTerms(EXTRA, { role: 'reviewer', name: 'r' });

      const exp = await appA.inject({ method: 'GET', url: `/v1/glossary/export?format=${format}`, headers: bearer(TOKENS.submitter) });
      expect(exp.statusCode).toBe(200);
      expect(exp.headers['content-type']).toContain(CONTENT_TYPE[format].split('/')[1]!.split('+')[0]);

      const b = env.open();
      const appB = await buildApp(b);
      const imp = await appB.inject({ method: 'POST', url: `/v1/glossary/import?format=${format}`, headers: { ...bearer(TOKENS.reviewer), 'content-type': CONTENT_TYPE[format] }, payload: exp.body });
      expect(imp.statusCode, imp.body).toBe(200);
      expect(content(await b.all())).toEqual(content(await a.all()));
      expect((await b.approvedTerms()).version).toBe((await a.approvedTerms()).version);

      // Importing the same file again changes nothing.
      const again = (await appB.inject({ method: 'POST', url: `/v1/glossary/import?format=${format}`, headers: { ...bearer(TOKENS.reviewer), 'content-type': CONTENT_TYPE[format] }, payload: exp.body })).json();
      expect(again).toMatchObject({ created: 0, updated: 0, unchanged: again.total });
    });
  }

  it('writes TBX-Basic that names its dialect and uses termEntry/langSet/tig', () => {
    const tbx = formatGlossaryFile(parseGlossaryFile(SEED, 'yaml'), 'tbx');
    expect(tbx).toMatch(/<martif type="TBX-Basic" xml:lang="fr">/);
    expect(tbx).toMatch(/<termEntry id="[^"]+">[\s\S]*?<langSet xml:lang="fr">\s*<tig><term>GPU<\/term>/);
  });

  it('reads DeepL-style pair files with the pair from the query, and a TBX 2019 file', () => {
    const pairs = parseGlossaryFile('open source,open source\nIA,AI\n', 'csv', { source: 'fr', target: 'en', status: 'approved' });
    expect(pairs.map((t) => [t.term, t.kind, t.translations])).toEqual([
      ['open source', 'keep', {}],
      ['IA', 'translate', { en: 'AI' }],
    ]);
    expect(parseGlossaryFile('IA\tAI\n', 'tsv', { source: 'fr', target: 'en' })[0]!.translations).toEqual({ en: 'AI' });
    expect(() => parseGlossaryFile('IA,AI\n', 'csv')).toThrow(/source=fr&target=en/);
    const tbx3 = `<?xml version="1.0"?><tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
      <text><body><conceptEntry id="c1"><langSec xml:lang="en"><termSec><term>graphics card</term></termSec></langSec>
      <langSec xml:lang="fr"><termSec><term>carte graphique</term></termSec></langSec></conceptEntry></body></text></tbx>`;
    const [t] = parseGlossaryFile(tbx3, 'tbx', { status: 'proposed' });
    expect(t).toMatchObject({ id: 'c1', term: 'graphics card', lang: 'en', kind: 'translate', translations: { fr: 'carte graphique' }, status: 'proposed' });
  });

  it('exports one language pair as DeepL entries', async () => {
    const s = env.open();
    await s.importTerms(parseGlossaryFile(SEED, 'yaml'), { role: 'admin', name: 'a' });
    const app = await buildApp(s);
    const res = await app.inject({ method: 'GET', url: '/v1/glossary/export?format=tsv&source=fr&target=en', headers: bearer(TOKENS.submitter) });
    const lines = res.body.trim().split('\n');
    expect(lines).toContain('GPU\tGPU');
    expect(lines.every((l) => l.split('\t').length === 2)).toBe(true);
  });

  const UNSAFE: Record<string, string> = {
    'external entity': `<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<martif type="TBX-Basic" xml:lang="en"><text><body><termEntry id="x"><langSet xml:lang="en"><tig><term>&xxe;</term></tig></langSet></termEntry></body></text></martif>`,
    'billion laughs': `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<martif type="TBX-Basic" xml:lang="en"><text><body><termEntry id="y"><langSet xml:lang="en"><tig><term>&lol3;</term></tig></langSet></termEntry></body></text></martif>`,
    'entity without DOCTYPE line': `<martif type="TBX-Basic"><!ENTITY a "b"><text><body/></text></martif>`,
  };
  for (const [name, payload] of Object.entries(UNSAFE)) {
    it(`refuses a TBX with ${name} and imports nothing`, async () => {
      const s = env.open();
      const app = await buildApp(s);
      const res = await app.inject({ method: 'POST', url: '/v1/glossary/import?format=tbx', headers: { ...bearer(TOKENS.reviewer), 'content-type': 'application/x-tbx+xml' }, payload });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('glossary-unsafe-xml');
      expect(await s.all()).toEqual([]);
    });
  }

  it('refuses a file with one bad row and changes nothing (all or nothing)', async () => {
    const s = env.open();
    await s.importTerms(parseGlossaryFile(SEED, 'yaml'), { role: 'admin', name: 'a' });
    const before = await s.all();
    const app = await buildApp(s);
    const csv = 'term,lang,kind,en\nGPU,fr,keep,\nnouveau terme,fr,translate,new term\ncassé,fr,sideways,x\n';
    const res = await app.inject({ method: 'POST', url: '/v1/glossary/import?format=csv', headers: { ...bearer(TOKENS.reviewer), 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/line 4: kind/);
    expect(await s.all()).toEqual(before);
  });

  it('refuses malformed XML, a TBX over the size limit, a submitter import and a JSON body', async () => {
    const s = env.open();
    const app = await buildApp(s);
    const post = (payload: string | object, headers: Record<string, string>, qs = 'format=tbx') => app.inject({ method: 'POST', url: `/v1/glossary/import?${qs}`, headers, payload });
    const rev = { ...bearer(TOKENS.reviewer), 'content-type': 'application/x-tbx+xml' };
    expect((await post('<martif><text><body><termEntry></body></martif>', rev)).statusCode).toBe(422);
    expect((await post(`<martif>${' '.repeat(6 * 1024 * 1024)}</martif>`, rev)).statusCode).toBe(413);
    expect((await post('<martif/>', { ...bearer(TOKENS.submitter), 'content-type': 'application/x-tbx+xml' })).statusCode).toBe(403);
    expect((await post({ terms: [] }, { ...bearer(TOKENS.reviewer), 'content-type': 'application/json' }, 'format=yaml')).statusCode).toBe(415);
    expect((await post('lang: fr\nterms: []\n', { ...bearer(TOKENS.reviewer), 'content-type': 'application/yaml' }, 'format=yaml')).statusCode).toBe(422);
    expect(await s.all()).toEqual([]);
  });

  it('seeds from glossary/*.yaml once', async () => {
    const s = env.open();
    expect((await s.seedIfEmpty(join(ROOT, 'glossary'))).seeded).toBeGreaterThan(40);
    const all = await s.all();
    expect(all.every((t) => t.history?.at(-1)?.action === 'import')).toBe(true);
    const { terms, version } = await s.approvedTerms();
    expect(terms.length).toBe(all.filter((t) => t.status === 'approved').length);
    expect(version).toMatch(/^g-[0-9a-f]{12}$/);
    const first = all[0]!;
    await s.remove(first.id, { role: 'admin', name: 'a' });
    expect((await s.seedIfEmpty(join(ROOT, 'glossary'))).seeded).toBe(0);
    expect(await s.get(first.id)).toBeUndefined();
  });
});
