import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGlossary, parseGlossaryYaml, termsForArticle } from '../../pipeline/glossary/index.js';
import { plainText } from '../../pipeline/inline.js';
import type { QaCheck, Segment, Term } from '../../pipeline/model.js';
import { checkSegment, numberReadings, type QaInput } from '../../pipeline/qa.js';
import { ROOT } from '../helpers.js';

const all = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');
const matcher = compileGlossary(all);

function seg(source: string): Segment {
  return { id: 'p1.s1', paragraph: 1, sentence: 1, source, plain: plainText(source), hash: '0', translatable: true };
}

/** A QA input as the pipeline builds it: matches from the glossary, article terms with forbidden ones. */
function input(source: string, target: string, over: Partial<QaInput> = {}): QaInput {
  const segment = seg(source);
  const matches = matcher.find(segment.plain, over.from ?? 'fr');
  const terms: Term[] = termsForArticle(all, [matches]);
  return { segment, target, from: 'fr', to: 'es', terms, matches, lostMasks: [], translated: true, ...over };
}

const checks = (i: QaInput, check?: QaCheck) => checkSegment(i).filter((f) => check === undefined || f.check === check);

describe('checkSegment: a good translation has no findings', () => {
  it('for the sample sentence in Spanish and English', () => {
    const src = "DeepSeek V3 a coûté 5,5 millions de dollars et l'approche open source de DeepSeek séduit.";
    expect(checkSegment(input(src, 'DeepSeek V3 costó 5,5 millones de dólares y el enfoque de código abierto de DeepSeek seduce.'))).toEqual([]);
    expect(checkSegment(input(src, "DeepSeek V3 cost 5.5 million dollars and DeepSeek's open source approach appeals.", { to: 'en' }))).toEqual([]);
  });
});

describe('findings carry segment, language, check, severity and message', () => {
  it('shape', () => {
    const [f] = checkSegment(input('Le GPU coûte cher.', ''));
    expect(f).toEqual({ segment: 'p1.s1', lang: 'es', check: 'empty', severity: 'error', code: 'empty', message: 'the translation is empty', origin: 'machine' });
  });
});

describe('empty', () => {
  it('fires on an empty or blank translation, not on an empty source', () => {
    expect(checks(input('Bonjour à tous.', '  '), 'empty')).toHaveLength(1);
    expect(checks(input('Bonjour à tous.', '<g id="1"></g>'), 'empty')).toHaveLength(1);
    expect(checkSegment(input('', ''))).toEqual([]);
    expect(checks(input('Bonjour à tous.', 'Hola a todos.'), 'empty')).toEqual([]);
  });
});

describe('placeholders', () => {
  const src = 'Voir <g id="1">le rapport</g> et <x id="2"/> ici.';
  it('fires on missing, extra and unbalanced markup', () => {
    const missing = checks(input(src, 'Ver el informe y aquí.'), 'placeholders');
    expect(missing.map((f) => f.severity)).toEqual(['error']);
    expect(missing[0]!.message).toMatch(/"1", "2" missing/);
    expect(checks(input(src, 'Ver <g id="1">el informe</g> y <x id="2"/> <x id="7"/> aquí.'), 'placeholders')[0]!.message).toMatch(/"7" added/);
    expect(checks(input(src, 'Ver </g>el informe<g id="1"> y <x id="2"/> aquí.'), 'placeholders').map((f) => f.message).join()).toMatch(/unbalanced/);
  });
  it('is quiet when markup is intact, even reordered', () => {
    expect(checks(input(src, 'Aquí <x id="2"/> y ver <g id="1">el informe</g>.'), 'placeholders')).toEqual([]);
  });
});

describe('numbers', () => {
  it('accepts locale formats: decimals, thousands with space, comma or dot, dates reordered', () => {
    expect(checks(input('Il a coûté 5,5 millions et 1 000 GPU.', 'It cost 5.5 million and 1,000 GPUs.', { to: 'en' }), 'numbers')).toEqual([]);
    expect(checks(input('Il a coûté 1 000 dollars.', 'Costó 1.000 dólares.'), 'numbers')).toEqual([]);
    expect(checks(input('Le 20 janvier 2023, 3 modèles.', 'On January 20, 2023, 3 models.', { to: 'en' }), 'numbers')).toEqual([]);
    expect(checks(input('Prix : 1.234,5 euros.', 'Price: 1,234.5 euros.', { to: 'en' }), 'numbers')).toEqual([]);
  });
  it('fires when a number is lost or changed, and warns on an added one', () => {
    const changed = checks(input('Il a coûté 5,5 millions en 2023.', 'Costó 6,5 millones en 2023.'), 'numbers');
    expect(changed).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('5,5') }), expect.objectContaining({ severity: 'warning', message: expect.stringContaining('6,5') })]);
    expect(checks(input('En novembre 2022, ChatGPT.', 'En noviembre, ChatGPT.'), 'numbers')[0]!.message).toContain('2022');
    // A Spanish 1.500 is fifteen hundred, never one and a half.
    expect(checks(input('Il pèse 1,5 kilo.', 'Pesa 1.500 kilos.'), 'numbers')).toHaveLength(2);
  });
  it('notes (info) a right value in the source language style', () => {
    const f = checks(input('Il a coûté 5,5 millions.', 'It cost 5,5 million.', { to: 'en' }), 'numbers');
    expect(f).toEqual([expect.objectContaining({ severity: 'info', message: expect.stringContaining('5,5') })]);
    expect(checks(input('Il a coûté 5,5 millions.', 'It cost 5.5 million.', { to: 'en' }), 'numbers')).toEqual([]);
    expect(checks(input('Il a coûté 5,5 millions.', 'Costó 5,5 millones.'), 'numbers')).toEqual([]);
  });
  it('ignores digits inside names and glossary terms (R1, V3, GPT-4o) and in restored masks', () => {
    expect(checks(input('R1 et V3 battent H100.', 'R1 y V3 superan a H100.'), 'numbers')).toEqual([]);
    const llama: Term = { id: 'l3', term: 'Llama 3', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' };
    const i = input('Llama 3 et 12 autres', 'Llama 3 y otros 12');
    const withLlama = { ...i, terms: [...i.terms, llama], matches: compileGlossary([llama]).find(i.segment.plain, 'fr') };
    expect(checks(withLlama, 'numbers')).toEqual([]);
    // Without the term the restored "3" is just a number, so the rule above is what keeps QA quiet.
    expect(checks(input('Llama 3 et 12 autres', 'Llama y otros 12'), 'numbers')).toHaveLength(1);
  });
  it('reads written numbers in every locale way', () => {
    expect([...numberReadings('1,000')].sort()).toEqual(['1', '1000']);
    expect([...numberReadings('1,000', 'en')]).toEqual(['1000']);
    expect([...numberReadings('1.500', 'es')]).toEqual(['1500']);
    expect([...numberReadings('1,500', 'fr')].sort()).toEqual(['1.5', '1500']);
    expect([...numberReadings('5,5')]).toEqual(['5.5']);
    expect([...numberReadings('1 000 000')]).toEqual(['1000000']);
    expect([...numberReadings('1.000.000')]).toEqual(['1000000']);
    expect([...numberReadings('1.234,50')]).toEqual(['1234.5']);
  });
});

describe('glossary compliance', () => {
  const src = "L'approche open source d'OpenAI.";
  it('fires when the forced form is missing, and not when present', () => {
    const f = checks(input(src, 'El enfoque open fuente de OpenAI.'), 'glossary');
    expect(f).toEqual([expect.objectContaining({ severity: 'error', message: 'glossary term "open source" must be translated as "código abierto", which is not in the translation' })]);
    expect(checks(input(src, 'El enfoque de código abierto de OpenAI.'), 'glossary')).toEqual([]);
  });
  it('keep terms must survive as written', () => {
    expect(checks(input(src, 'El enfoque de código abierto de Openai.'), 'glossary')[0]!.message).toContain('"OpenAI"');
  });
  it('lost masks are errors; fewer occurrences than the source is a warning', () => {
    expect(checks(input(src, 'El enfoque de código abierto de OpenAI.', { lostMasks: ['t2'] }), 'glossary')).toEqual([
      expect.objectContaining({ severity: 'error', message: expect.stringContaining('"t2"') }),
    ]);
    const twice = checks(input('GPU, GPU et encore GPU.', 'GPU, y otra vez.'), 'glossary');
    expect(twice).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('3 times') })]);
  });
  it('does not require a form the glossary does not give for the target language', () => {
    expect(checks(input('le PDG parle', 'der Chef spricht', { to: 'de' }), 'glossary')).toEqual([]);
  });
});

describe('forbidden forms', () => {
  it('fires on a forbidden form of the target language, ignoring case, on word boundaries', () => {
    const f = checks(input("L'approche open source.", 'El enfoque Open Fuente y de código abierto.'), 'forbidden');
    expect(f).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('"Open Fuente"') })]);
    expect(checks(input('Les puces graphiques.', 'The graphic fleas.', { to: 'en' }), 'forbidden')).toHaveLength(1);
  });
  it('is quiet in other languages, inside longer words, and is only a warning when the source has it too', () => {
    expect(checks(input("L'approche open source.", 'The open fuente approach.', { to: 'en' }), 'forbidden')).toEqual([]);
    expect(checks(input("L'approche open source.", 'El enfoque reopen fuentes de código abierto.'), 'forbidden')).toEqual([]);
    expect(checks(input('Il a dit « open fuente ».', 'Dijo «open fuente».'), 'forbidden')[0]!.severity).toBe('warning');
  });
  it('respects the case rule of a case-sensitive forbidden form (IA in English)', () => {
    expect(checks(input("Le succès de l'IA.", 'The success of IA.', { to: 'en' }), 'forbidden')).toHaveLength(1);
    expect(checks(input("Le succès de l'IA.", 'The success of AI, ia.', { to: 'en' }), 'forbidden')).toEqual([]);
  });
});

describe('untranslated', () => {
  const src = "L'entreprise a toujours adopté une approche fermée.";
  it('warns when a translated segment comes back identical', () => {
    expect(checks(input(src, src), 'untranslated')).toEqual([expect.objectContaining({ severity: 'warning' })]);
  });
  it('is quiet when nothing was sent to an engine, or the text is names, numbers and URLs', () => {
    expect(checks(input(src, src, { translated: false }), 'untranslated')).toEqual([]);
    expect(checks(input('Sam Altman, OpenAI, 2023 : https://example.com/a-b', 'Sam Altman, OpenAI, 2023 : https://example.com/a-b'), 'untranslated')).toEqual([]);
    expect(checks(input('DeepSeek V3 – GPU', 'DeepSeek V3 – GPU'), 'untranslated')).toEqual([]);
  });
});

describe('length ratio', () => {
  const src = "L'entreprise basée à Hangzhou a surpris l'industrie mondiale avec son modèle.";
  it('warns when much shorter or much longer', () => {
    expect(checks(input(src, 'La empresa.'), 'length')).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('much shorter') })]);
    expect(checks(input(src, `${src} ${src} ${src}`), 'length')[0]!.message).toContain('much longer');
  });
  it('is quiet for normal expansion, short segments and dense scripts', () => {
    expect(checks(input(src, 'La empresa con sede en Hangzhou sorprendió a la industria mundial con su modelo.'), 'length')).toEqual([]);
    expect(checks(input('Le GPU.', 'El GPU de la empresa que es grande.'), 'length')).toEqual([]);
    expect(checks(input(src, '总部位于杭州的公司以其模型震惊了全球行业。', { to: 'zh-Hans' }), 'length')).toEqual([]);
  });
});

describe('wrong language', () => {
  const src = "L'entreprise a toujours adopté une approche fermée, gardant secrets des détails tels que les méthodes de formation.";
  it('warns when the translation still reads as the source language', () => {
    const partly = "The company a toujours adopté une approche fermée, gardant secrets des détails tels que les méthodes de formation.";
    const f = checks(input(src, partly, { to: 'en' }), 'wrong-language');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/^the en translation reads as fr \(confidence/) })]);
  });
  it('is quiet for a real translation, pseudo-localised text, short text and untranslated segments', () => {
    expect(checks(input(src, 'The company has always taken a closed approach, keeping secret details such as its training methods.', { to: 'en' }), 'wrong-language')).toEqual([]);
    expect(checks(input(src, "[Ļ'éñţŕéþŕíšé á ţóûĵóûŕš áðóþţé ûñé áþþŕóçĥé ƒéŕɱéé, ĝáŕðáñţ šéçŕéţš ðéš ðéţáíļš ţéļš ǫûé ļéš ɱéţĥóðéš]", { to: 'vi' }), 'wrong-language')).toEqual([]);
    expect(checks(input('Le PDG a parlé.', 'Le PDG a parlé hier.', { to: 'en' }), 'wrong-language')).toEqual([]);
    // Identical output is reported once, as untranslated.
    expect(checkSegment(input(src, src, { to: 'en' })).map((f) => f.check)).toEqual(['untranslated']);
  });
  it('uses the detector it is given, asking about the source and target only', () => {
    const seen: string[][] = [];
    const detect = (_t: string, c: string[]) => (seen.push(c), { lang: 'fr', confidence: 0.95 });
    expect(checks(input(src, 'The company has always taken a closed approach, keeping secret details.', { to: 'en', detect }), 'wrong-language')).toHaveLength(1);
    expect(seen).toEqual([['fr', 'en']]);
    const unsure = () => ({ lang: 'fr', confidence: 0.6 });
    expect(checks(input(src, 'The company has always taken a closed approach, keeping secret details.', { to: 'en', detect: unsure }), 'wrong-language')).toEqual([]);
  });
});

describe('origin: who wrote the text', () => {
  const src = "L'approche open source de DeepSeek séduit.";
  it('every finding says machine, tm or human', () => {
    const lost = input(src, 'El enfoque de fuente abierta de DeepSeek seduce.', { lostMasks: ['t1'] });
    expect(checkSegment(lost).map((f) => f.origin)).toEqual(checkSegment(lost).map(() => 'machine'));
    expect(checkSegment({ ...lost, origin: 'tm' }).every((f) => f.origin === 'tm')).toBe(true);
  });

  it("a person's text is never reported as an engine's fault, but its broken term is", () => {
    const human = checkSegment(input(src, 'El enfoque de fuente abierta de DeepSeek seduce.', { lostMasks: ['t1'], origin: 'human' }));
    expect(human.map((f) => f.code)).toContain('glossary-form-missing');
    expect(human.some((f) => f.code === 'glossary-mask-lost' || /engine/.test(f.message))).toBe(false);
    expect(human.every((f) => f.origin === 'human')).toBe(true);
  });

  it("a person's text in the wrong language is flagged without blaming an engine; left as the source it is their choice", () => {
    const frSrc = "L'entreprise a toujours adopté une approche fermée, gardant secrets des détails tels que ses méthodes.";
    const detect = () => ({ lang: 'fr', confidence: 0.99 });
    const wrong = checkSegment(input(frSrc, "L'entreprise a toujours adopté une approche fermée, gardant secrets des détails.", { to: 'en', detect, origin: 'human' }));
    const f = wrong.find((x) => x.check === 'wrong-language')!;
    expect(f).toMatchObject({ origin: 'human', params: { context: 'human' } });
    expect(f.message).not.toMatch(/engine/);
    expect(checkSegment(input(frSrc, frSrc, { to: 'en', detect, origin: 'human' })).filter((x) => x.check === 'wrong-language' || x.check === 'untranslated')).toEqual([]);
  });
});
