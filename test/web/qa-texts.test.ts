/**
 * The QA sentences the job page draws from `locales/<lng>/qa.json`: every
 * code the checks emit has one, the English sentence filled with a finding's
 * params is exactly the finding's own message (so the page and the bundle
 * agree), and French and Vietnamese fill every variable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGlossary, parseGlossaryYaml, termsForArticle } from '../../pipeline/glossary/index.js';
import { plainText } from '../../pipeline/inline.js';
import type { QaFinding, Term } from '../../pipeline/model.js';
import { checkSegment, sideEffectFindings, type QaInput } from '../../pipeline/qa.js';
import { ROOT } from '../helpers.js';

const glossary = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');
const matcher = compileGlossary(glossary);
const load = (lng: string) => JSON.parse(readFileSync(join(ROOT, 'locales', lng, 'qa.json'), 'utf8')) as Record<string, string>;

function input(source: string, target: string, over: Partial<QaInput> = {}): QaInput {
  const segment = { id: 'p1.s1', paragraph: 1, sentence: 1, source, plain: plainText(source), hash: '0', translatable: true };
  const matches = matcher.find(segment.plain, over.from ?? 'fr');
  const terms: Term[] = termsForArticle(glossary, [matches]);
  return { segment, target, from: 'fr', to: 'es', terms, matches, lostMasks: [], translated: true, ...over };
}

const forbidden: Term = { id: 'nope', term: 'nuage', lang: 'fr', kind: 'forbidden', translations: { es: 'nube mala' }, variants: [], caseSensitive: false, status: 'approved', note: 'house style' };
const withForbidden = (i: QaInput): QaInput => ({ ...i, terms: [...i.terms, forbidden] });

/** Inputs that between them make every kind of finding. */
const cases: QaInput[] = [
  input('Le GPU coûte cher.', ''),
  input('Un <g id="1">mot</g> et <g id="2">deux</g>.', 'Una palabra y dos.'),
  input('Un mot.', 'Una <x id="9"/> palabra.'),
  input('Un <g id="1">mot</g>.', 'Una <g id="1">palabra.'),
  input('Il y a 12 modèles et 7 autres.', 'Hay modelos.'),
  input('Il y a 12 modèles.', 'Hay 12 modelos y 40 más y 41.'),
  input('Il y a 3 modèles.', 'Hay 3 modelos y 40 más.'),
  input('Le prix est de 5,5 euros.', 'The price is 5,5 euros.', { to: 'en' }),
  input('Le prix est de 5.5 euros.', 'El precio es de 5.5 euros.'),
  input("L'approche open source d'OpenAI.", 'El enfoque open fuente de OpenAI.'),
  input("L'approche open source d'OpenAI.", 'El enfoque de código abierto de OpenAI.', { lostMasks: ['t2'] }),
  input('GPU, GPU et encore GPU.', 'GPU, y otra vez.'),
  input('GPU, GPU, GPU et encore GPU.', 'GPU, GPU, y otra vez.'),
  withForbidden(input('Le service tourne dans le nuage public.', 'El servicio funciona en la nube mala pública.')),
  withForbidden(input('Le service tourne dans la nube mala.', 'El servicio funciona en la nube mala.')),
  input('Le marché des puces électroniques change très vite cette année.', 'Le marché des puces électroniques change très vite cette année.'),
  input('Le marché des puces électroniques change très vite cette année.', 'El mercado de chips electrónicos cambia muy rápido este año.', {
    detect: () => ({ lang: 'fr', confidence: 0.97 }),
  }),
  input('Le marché des puces électroniques change très vite cette année.', 'Mercado.'),
  input('Le marché change vite.', 'El mercado de los chips electrónicos que cambia muy rápido este año y el próximo también, sin duda alguna.'),
];

let findings: QaFinding[];
beforeAll(async () => {
  findings = cases.flatMap((c) => checkSegment(c));
  // The side-effect check compares two translations of one segment, so it has its own entry point.
  findings.push(...sideEffectFindings('p1.s1', 'es' as QaInput['to'], 'El modelo no solo entrena.', 'El modelo entrena.'));
  await i18next.init({ lng: 'en', fallbackLng: false, ns: ['qa'], defaultNS: 'qa', resources: { en: { qa: load('en') }, fr: { qa: load('fr') }, vi: { qa: load('vi') } }, interpolation: { escapeValue: false } });
});

describe('QA sentences', () => {
  it('cover every code the checks emit, and the test inputs make every one of them', () => {
    const source = readFileSync(join(ROOT, 'pipeline', 'qa.ts'), 'utf8');
    const emitted = new Set([...source.matchAll(/finding\(\s*'[^']+',\s*[^,]+,\s*'([^']+)'/g)].map((m) => m[1]!));
    expect(emitted.size).toBeGreaterThanOrEqual(13);
    const keys = Object.keys(load('en'));
    for (const code of emitted) expect(keys.some((k) => k === code || k.startsWith(`${code}_`)), code).toBe(true);
    expect(new Set(findings.map((f) => f.code))).toEqual(emitted);
    expect(findings.filter((f) => f.code === 'length').map((f) => f.params?.context).sort()).toEqual(['longer', 'shorter']);
  });

  it('read in English exactly as the finding’s own message', () => {
    for (const f of findings) {
      expect(i18next.exists(`qa:${f.code}`, { lng: 'en', ...f.params }), f.message).toBe(true);
      expect(i18next.t(`qa:${f.code}`, { lng: 'en', ...f.params }), f.code).toBe(f.message);
    }
  });

  it('fill every variable in French and Vietnamese, and are really translated', () => {
    for (const lng of ['fr', 'vi']) {
      for (const f of findings) {
        expect(i18next.exists(`qa:${f.code}`, { lng, ...f.params }), `${lng} ${f.code}`).toBe(true);
        const text = i18next.t(`qa:${f.code}`, { lng, ...f.params });
        expect(text, `${lng} ${f.code}`).not.toMatch(/\{\{|\}\}/);
        expect(text, `${lng} ${f.code}`).not.toBe(f.message);
        for (const value of Object.entries(f.params ?? {}).filter(([k]) => k !== 'context' && k !== 'count').map(([, v]) => String(v))) expect(text, `${lng} ${f.code}`).toContain(value);
      }
    }
  });
});
