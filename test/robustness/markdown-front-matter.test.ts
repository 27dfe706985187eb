/**
 * Markdown articles exported from a static site generator or a CMS open with
 * YAML (`---`) or TOML (`+++`) front matter. It is metadata: no block of it
 * reaches a translator, and every language's document keeps it byte for byte
 * (CommonMark alone read it as a rule and a heading, translated its keys and
 * joined its lines).
 */
import { describe, expect, it } from 'vitest';
import { ingest, renderDocument } from '../../pipeline/ingest.js';

const BODY = '# Le modèle français de DeepSeek\n\nLe modèle est très rapide, disent les chercheurs à Paris.\n';

/** Renders the document with every translatable block upper-cased: what stays as written is what no translator saw. */
function translated(source: string): { blocks: string[]; out: string } {
  const doc = ingest(source, { format: 'markdown' });
  const blocks = doc.blocks.filter((b) => b.translatable).map((b) => b.inline);
  const out = renderDocument(doc, new Map(doc.blocks.map((b) => [b.index, b.translatable ? b.inline.toUpperCase() : b.inline])));
  return { blocks, out };
}

describe('front matter in Markdown', () => {
  it.each([
    ['YAML', '---\ntitle: Le modèle français\ndate: 2025-01-28\ntags: [ia, deepseek]\n---\n'],
    ['YAML closed by ...', '---\ntitle: Le modèle\n...\n'],
    ['TOML', '+++\ntitle = "Le modèle français"\n+++\n'],
    ['empty YAML', '---\n---\n'],
  ])('%s stays as written and is not offered for translation', (_what, front) => {
    const { blocks, out } = translated(`${front}\n${BODY}`);
    expect(blocks).toEqual(['Le modèle français de DeepSeek', 'Le modèle est très rapide, disent les chercheurs à Paris.']);
    expect(out).toBe(`${front}\n${BODY.toUpperCase()}`);
  });

  it('a rule further down is still a rule, and its neighbours are translated', () => {
    const source = `${BODY}\n---\n\nDeuxième partie de l'article.\n`;
    const { blocks } = translated(source);
    expect(blocks).toContain("Deuxième partie de l'article.");
  });
});
