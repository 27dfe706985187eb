/**
 * A hand-built BundleInput: a few sentences of the sample article
 * (`../shared/samples/deepseek.fr.txt`) with English (Apertium pivot) and
 * Spanish (pseudo) targets. It carries everything the writers must cope with:
 * a glossary term that was masked and restored, an inline link `<g>`, a
 * standalone code `<x/>`, a QA error, a non-translatable block, an English
 * quote inside the French text, and `<`, `&`, `"`, emoji, right-to-left text
 * and a control character.
 */
import type { Block, BundleInput, InlineXml, Lang, QaFinding, Segment, SourceDocument, TranslatedSegment } from '../../pipeline/model.js';
import { plainText } from '../../pipeline/inline.js';
import type { DocumentRenderer } from '../../pipeline/formats/bundle.js';

const BELL = '\u0007';

const blocks: Block[] = [
  { index: 1, kind: 'title', inline: 'DeepSeek et l’approche open source', spans: {}, translatable: true },
  {
    index: 2,
    kind: 'paragraph',
    inline:
      'Du PDG d’<g id="1">OpenAI</g>, Sam Altman, au scientifique Andrew Ng, tous saluent l’open source. ' +
      'Sa formation n’a coûté que 5,5 millions de dollars &lt; 6 &amp; « "moins" » 🚀' + BELL + '.',
    spans: { '1': { id: '1', kind: 'pair', label: 'link', open: '<a href="https://example.com/?a=1&b=2">', close: '</a>' } },
    translatable: true,
  },
  { index: 3, kind: 'code', inline: 'npm install deepseek &amp;&amp; run', spans: {}, translatable: false },
  {
    index: 4,
    kind: 'quote',
    inline: '"We were on the wrong side of history," Altman said about <x id="1"/> الذكاء الاصطناعي.',
    spans: { '1': { id: '1', kind: 'standalone', label: 'code', open: '`', close: '`', text: 'R1' } },
    translatable: true,
  },
];

const doc: SourceDocument = { format: 'text', title: 'DeepSeek et l’approche open source', blocks, skeleton: { kind: 'test' } };

function seg(id: string, paragraph: number, sentence: number, source: InlineXml, extra: Partial<Segment> = {}): Segment {
  return { id, paragraph, sentence, source, plain: plainText(source), hash: `h${id.replace('.', '')}`.padEnd(16, '0'), translatable: true, ...extra };
}

const segments: Segment[] = [
  seg('p1.s1', 1, 1, blocks[0]!.inline, { lang: { lang: 'fr', confidence: 0.9 } }),
  seg('p2.s1', 2, 1, 'Du PDG d’<g id="1">OpenAI</g>, Sam Altman, au scientifique Andrew Ng, tous saluent l’open source.'),
  seg('p2.s2', 2, 2, 'Sa formation n’a coûté que 5,5 millions de dollars &lt; 6 &amp; « "moins" » 🚀' + BELL + '.'),
  seg('p3.s1', 3, 1, blocks[2]!.inline, { translatable: false }),
  seg('p4.s1', 4, 1, blocks[3]!.inline, { lang: { lang: 'en', confidence: 0.8 } }),
];

function tseg(lang: Lang, id: string, text: InlineXml, over: Partial<TranslatedSegment> = {}): TranslatedSegment {
  return { id, text, plain: plainText(text), provider: 'apertium', route: ['fr', 'es', lang], tm: false, human: false, terms: [], qa: [], ...over };
}

const numberError: QaFinding = { segment: 'p2.s2', lang: 'en', check: 'numbers', severity: 'error', message: 'number 5,5 is missing from the translation' };

export function fixture(): BundleInput {
  return {
    jobId: 'job_4f2a9c',
    toolVersion: '0.1.0',
    createdAt: '2026-11-28T15:30:00.000Z',
    revision: 1,
    timings: { analyse: 12, translate: 340, bundle: 4 },
    analysis: {
      doc,
      segments,
      sourceLang: 'fr',
      confidence: 0.97,
      detection: 'auto',
      matches: {
        'p1.s1': [
          { termId: 't_deepseek', text: 'DeepSeek', start: 0, end: 8 },
          { termId: 't_opensource', text: 'open source', start: 23, end: 34 },
        ],
        'p2.s1': [
          { termId: 't_openai', text: 'OpenAI', start: 9, end: 15 },
          { termId: 't_opensource', text: 'open source', start: 82, end: 93 },
        ],
      },
      terms: [
        { id: 't_deepseek', term: 'DeepSeek', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' },
        { id: 't_openai', term: 'OpenAI', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' },
        {
          id: 't_opensource',
          term: 'open source',
          lang: 'fr',
          kind: 'translate',
          translations: { en: 'open source', es: 'código abierto', vi: 'mã nguồn mở' },
          variants: ['open-source'],
          caseSensitive: false,
          status: 'approved',
          note: 'adjective and noun',
        },
      ],
      glossaryVersion: 'g7',
    },
    targets: [
      {
        lang: 'en',
        providers: ['apertium'],
        route: 'apertium:fr→es → apertium:es→en',
        billedChars: 321,
        tmHits: 1,
        warnings: ['apertium: fr→en has no direct pair; pivoting through es'],
        ms: 210,
        segments: [
          tseg('en', 'p1.s1', 'DeepSeek and the open source approach', { terms: ['DeepSeek', 'open source'], tm: true }),
          tseg('en', 'p2.s1', 'From the CEO of <g id="1">OpenAI</g>, Sam Altman, to the scientist Andrew Ng, all praise open source.', {
            terms: ['OpenAI', 'open source'],
          }),
          tseg('en', 'p2.s2', 'Its training cost only 5.5 million dollars &lt; 6 &amp; “"less"” 🚀' + BELL + '.', { qa: [numberError] }),
          tseg('en', 'p3.s1', 'npm install deepseek &amp;&amp; run', { provider: 'none', route: [], skipped: 'not-translatable' }),
          tseg('en', 'p4.s1', '"We were on the wrong side of history," Altman said about <x id="1"/> الذكاء الاصطناعي.', {
            provider: 'none',
            route: [],
            skipped: 'same-language',
          }),
        ],
      },
      {
        lang: 'es',
        providers: ['pseudo'],
        route: 'pseudo:fr→es',
        billedChars: 0,
        tmHits: 0,
        warnings: ['pseudo-localisation: not a real translation'],
        ms: 3,
        segments: [
          tseg('es', 'p1.s1', '[ĐééþŠéééķ éţ ľ’åþþŕöçĥé código abierto]', { provider: 'pseudo', route: ['fr', 'es'], terms: ['DeepSeek', 'open source'] }),
          tseg('es', 'p2.s1', '[Ðû ÞÐĜ ð’<g id="1">OpenAI</g>, Šåɱ Åľţɱåñ, åû šçîéñţîƒîǫûé Åñðŕéŵ Ñĝ, ţöûš šåľûéñţ ľ’código abierto.]', {
            provider: 'pseudo',
            route: ['fr', 'es'],
            terms: ['OpenAI', 'open source'],
          }),
          tseg('es', 'p2.s2', '[Šå ƒöŕɱåţîöñ ñ’å çöûţé ǫûé 5,5 ɱîľľîöñš ðé ðöľľåŕš &lt; 6 &amp; « "ɱöîñš" » 🚀' + BELL + '.]', { provider: 'pseudo', route: ['fr', 'es'] }),
          tseg('es', 'p3.s1', 'npm install deepseek &amp;&amp; run', { provider: 'none', route: [], skipped: 'not-translatable' }),
          tseg('es', 'p4.s1', '["Ŵé ŵéŕé öñ ţĥé ŵŕöñĝ šîðé öƒ ĥîšţöŕý," Åľţɱåñ šåîð åƀöûţ <x id="1"/> الذكاء الاصطناعي.]', { provider: 'pseudo', route: ['fr', 'es'] }),
        ],
      },
    ],
  };
}

/**
 * A stand-in for ingest/segment's renderer: blocks as plain text separated by
 * blank lines, sentences joined by a space. It lets the writers' own tests pin
 * which text lands in which document without depending on the markup code.
 */
export const plainRenderer: DocumentRenderer = {
  renderDocument: (d, texts) => d.blocks.map((b) => plainText(texts.get(b.index) ?? b.inline)).join('\n\n') + '\n',
  joinBlocks: (segs, texts) => {
    const out = new Map<number, InlineXml>();
    for (const s of segs) out.set(s.paragraph, [out.get(s.paragraph), texts.get(s.id) ?? s.source].filter((x) => x !== undefined).join(' '));
    return out;
  },
};
