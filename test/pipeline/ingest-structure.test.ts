/**
 * Markdown and HTML must come back with the same structure whatever the
 * translation does to the words. Each document is re-parsed with the same
 * library a reader would use, and its structure compared with the original's.
 */
import { readFileSync } from 'node:fs';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { Nodes } from 'mdast';
import { parse } from 'parse5';
import type { DefaultTreeAdapterTypes as T } from 'parse5';
import { describe, expect, it } from 'vitest';
import { escapeXml, readableText, unescapeXml } from '../../pipeline/inline.js';
import type { SourceDocument } from '../../pipeline/model.js';
import { ingest, renderDocument } from '../../pipeline/ingest.js';
import { joinBlocks, segmentDocument } from '../../pipeline/segment.js';

const sample = (name: string) => readFileSync(new URL(`../../samples/${name}`, import.meta.url), 'utf8');

/** Applies `fn` to every text run of inline XML, leaving placeholders alone. */
function mapText(inline: string, fn: (s: string) => string): string {
  return inline
    .split(/(<[^>]+>)/)
    .map((part) => (part.startsWith('<') ? part : escapeXml(fn(unescapeXml(part)))))
    .join('');
}

function translateAll(doc: SourceDocument, fn: (s: string) => string): Map<number, string> {
  return new Map(doc.blocks.filter((b) => b.translatable).map((b) => [b.index, mapText(b.inline, fn)]));
}

const upper = (s: string) => s.toUpperCase();
/** Text full of characters that mean something in Markdown and HTML. */
const hostile = (s: string) => (s.trim() ? `${s.replace(/e/g, 'e*').replace(/a/g, '_a[')} <b>&amp; | ~x~ # 1. ` : s);

function mdStructure(markdown: string): unknown[] {
  const tree = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const out: unknown[] = [];
  const visit = (n: Nodes) => {
    switch (n.type) {
      case 'heading':
        out.push(['heading', n.depth]);
        break;
      case 'link':
        out.push(['link', n.url, n.title]);
        break;
      case 'image':
        out.push(['image', n.url]);
        break;
      case 'code':
        out.push(['code', n.lang, n.value]);
        break;
      case 'inlineCode':
        out.push(['inlineCode', n.value]);
        break;
      case 'list':
        out.push(['list', n.ordered, n.children.length]);
        break;
      case 'text':
      case 'root':
        break;
      default:
        out.push([n.type]);
    }
    if ('children' in n) for (const c of n.children as Nodes[]) visit(c);
  };
  visit(tree);
  return out;
}

function htmlStructure(html: string): unknown[] {
  const out: unknown[] = [];
  const visit = (n: T.ChildNode | T.Document) => {
    if ('tagName' in n) {
      // Text for readers in attributes is translated; the attribute itself must stay.
      const translated = (name: string) => name === 'alt' || (name === 'content' && n.tagName === 'meta') || (name === 'title' && n.tagName === 'img');
      const attrs = n.attrs.map((a) => (translated(a.name) ? a.name : `${a.name}=${a.value}`)).join(' ');
      out.push([n.tagName, attrs]);
      if (['script', 'style', 'pre', 'code'].includes(n.tagName)) out.push(['verbatim', serializeText(n)]);
    }
    if ('childNodes' in n) for (const c of n.childNodes) visit(c);
  };
  const serializeText = (n: T.ChildNode): string => ('value' in n && n.nodeName === '#text' ? n.value : 'childNodes' in n ? n.childNodes.map(serializeText).join('') : '');
  visit(parse(html));
  return out;
}

describe('Markdown round trip', () => {
  const source = sample('open-models.fr.md');
  const doc = ingest(source, { filename: 'open-models.fr.md' });

  it('finds the structure of the sample', () => {
    const kinds = doc.blocks.map((b) => b.kind);
    expect(kinds[0]).toBe('title');
    expect(kinds.filter((k) => k === 'heading')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'list-item')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'table-cell')).toHaveLength(6);
    expect(doc.blocks.find((b) => b.kind === 'code')?.translatable).toBe(false);
    const para = doc.blocks.find((b) => b.inline.includes('OpenAI</g>'))!;
    expect(Object.values(para.spans)).toContainEqual(expect.objectContaining({ label: 'link', open: '[', close: `](https://openai.com "Site d'OpenAI")` }));
    expect(doc.blocks.find((b) => b.kind === 'list-item' && b.level === 2)?.inline).toBe('et celles des fournisseurs de cloud ?');
  });

  it('renders the identity translation byte for byte', () => {
    expect(renderDocument(doc, new Map(doc.blocks.map((b) => [b.index, b.inline])))).toBe(source);
    expect(renderDocument(doc, new Map())).toBe(source);
  });

  it('survives segmentation and re-joining unchanged', () => {
    const segments = segmentDocument(doc, 'fr');
    const joined = joinBlocks(segments, new Map(segments.map((s) => [s.id, s.source])), 'fr');
    for (const b of doc.blocks) expect(joined.get(b.index)).toBe(b.inline);
    expect(renderDocument(doc, joined)).toBe(source);
  });

  it('keeps the structure when every word changes', () => {
    const out = renderDocument(doc, translateAll(doc, upper));
    expect(out).not.toBe(source);
    expect(out).toContain('# LES MODÈLES');
    expect(mdStructure(out)).toEqual(mdStructure(source));
  });

  it('keeps the structure when the translation is full of Markdown syntax characters', () => {
    const out = renderDocument(doc, translateAll(doc, hostile));
    expect(mdStructure(out)).toEqual(mdStructure(source));
    // The characters themselves survive as text.
    const tree = fromMarkdown(out, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    const texts: string[] = [];
    const collect = (n: Nodes) => {
      if (n.type === 'text') texts.push(n.value);
      if ('children' in n) (n.children as Nodes[]).forEach(collect);
    };
    collect(tree);
    expect(texts.join('')).toContain('<b>&amp; | ~x~ # 1.');
  });

  it('handles setext headings, reference links, images, breaks, nested emphasis and front matter-like HTML', () => {
    const md = ['Titre', '=====', '', 'Voir [la doc][ref] et ![logo](l.png) ici,  ', 'puis **très *important*** et ~~barré~~.', '', '<div>brut</div>', '', '[ref]: https://example.org', ''].join('\n');
    const d = ingest(md, { format: 'markdown' });
    expect(d.blocks.map((b) => b.kind)).toEqual(['title', 'paragraph', 'paragraph']);
    expect(d.blocks[1]!.inline).toBe('Voir <g id="1">la doc</g> et <x id="2"/> ici,<x id="3"/>puis <g id="4">très <g id="5">important</g></g> et <g id="6">barré</g>.');
    const out = renderDocument(d, translateAll(d, upper));
    expect(mdStructure(out)).toEqual(mdStructure(md));
    expect(out).toContain('<div>BRUT</div>');
  });

  it('reads the text of HTML blocks as HTML: tags, scripts and comments stay, text is escaped for HTML, not Markdown', () => {
    const md = ['# Titre', '', '<aside class="encart" data-x="1">', '<p>Un <b>encart</b> &amp; sa <a href="/x" title="t">suite</a>.</p>', '<!-- note -->', '</aside>', '', '<script src="https://ex.com/embed.js"></script>', '', 'Fin.', ''].join('\n');
    const d = ingest(md, { format: 'markdown' });
    expect(d.blocks.map((b) => [b.kind, b.inline, b.translatable])).toEqual([
      ['title', 'Titre', true],
      ['paragraph', 'Un <g id="1">encart</g> &amp; sa <g id="2">suite</g>.', true],
      ['other', escapeXml('<script src="https://ex.com/embed.js"></script>'), false],
      ['paragraph', 'Fin.', true],
    ]);
    expect(renderDocument(d, new Map())).toBe(md);
    const out = renderDocument(d, translateAll(d, (s) => s.toUpperCase().replace(/\.$/, '. *<_>*')));
    expect(out).toBe(md.replace('Titre', 'TITRE').replace('Un <b>encart</b> &amp; sa <a href="/x" title="t">suite</a>.', 'UN <b>ENCART</b> &amp; SA <a href="/x" title="t">SUITE</a>. *&lt;_&gt;*').replace('Fin.', 'FIN. \\*\\<\\_\\>\\*'));
    expect(mdStructure(out)).toEqual(mdStructure(md));
  });
});

describe('HTML round trip', () => {
  const source = sample('open-models.fr.html');
  const doc = ingest(source, { filename: 'open-models.fr.html' });

  it('finds the blocks of the sample and leaves code, scripts and styles alone', () => {
    expect(doc.title).toBe("Les modèles d'IA ouverts bousculent la Silicon Valley");
    const kinds = doc.blocks.map((b) => b.kind);
    expect(kinds[0]).toBe('title');
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.level)).toEqual([1, 2, 2]);
    expect(kinds.filter((k) => k === 'list-item')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'table-cell')).toHaveLength(6);
    expect(doc.blocks.some((b) => b.inline.includes('console.log') || b.inline.includes('font-family'))).toBe(false);
    expect(doc.blocks.find((b) => b.kind === 'code')?.translatable).toBe(false);
    const link = Object.values(doc.blocks.find((b) => b.inline.includes('OpenAI</g>'))!.spans)[0]!;
    expect(link).toMatchObject({ kind: 'pair', open: `<a href="https://openai.com" title="Site d'OpenAI">`, close: '</a>' });
    expect(doc.blocks.find((b) => b.inline.startsWith('Architecture'))!.inline).toBe('Architecture simplifiée du modèle R1 &amp; de V3.');
  });

  it('renders the identity translation byte for byte', () => {
    expect(renderDocument(doc, new Map(doc.blocks.map((b) => [b.index, b.inline])))).toBe(source);
    const segments = segmentDocument(doc, 'fr');
    expect(renderDocument(doc, joinBlocks(segments, new Map(), 'fr'))).toBe(source);
  });

  it('keeps elements and attributes when every word changes, and escapes text', () => {
    const out = renderDocument(doc, translateAll(doc, upper));
    expect(out).toContain('<h1>LES MODÈLES');
    expect(out).toContain('R1 &amp; DE V3.');
    expect(htmlStructure(out)).toEqual(htmlStructure(source));
    const hostileOut = renderDocument(doc, translateAll(doc, hostile));
    expect(htmlStructure(hostileOut)).toEqual(htmlStructure(source));
    expect(hostileOut).toContain('&lt;b&gt;&amp;amp;');
  });

  it('reads fragments, loose text in containers, nested lists and unclosed tags', () => {
    const html = '<div>Texte libre <b>gras</b><ul><li>un</li><li>deux<ul><li>trois</li></ul></li></ul></div><p>Un <em>mot<p>Suite</p>';
    const d = ingest(html, { format: 'html' });
    expect(d.blocks.map((b) => [b.kind, b.level ?? 0, b.inline])).toEqual([
      ['paragraph', 0, 'Texte libre <g id="1">gras</g>'],
      ['list-item', 1, 'un'],
      ['list-item', 1, 'deux'],
      ['list-item', 2, 'trois'],
      ['paragraph', 0, 'Un <g id="1">mot</g>'],
      ['paragraph', 0, 'Suite'],
    ]);
    expect(renderDocument(d, new Map())).toBe(html);
    const out = renderDocument(d, translateAll(d, upper));
    expect(htmlStructure(out)).toEqual(htmlStructure(html));
  });
});

describe('HTML opt-out: translate="no" and class="notranslate"', () => {
  const html = [
    '<p>Le nom <span translate="no">Le Monde</span> reste, comme <span class="une notranslate">La Poste</span> et <i translate="yes">ceci</i>.</p>',
    '<p translate="no">Ce paragraphe reste en français.</p>',
    '<div class="notranslate"><p>Pas traduit non plus.</p></div>',
    '<p>Traduit.</p>',
  ].join('\n');
  const doc = ingest(html, { format: 'html' });

  it('never sends opted-out text to the provider', () => {
    expect(doc.blocks.map((b) => b.inline)).toEqual(['Le nom <x id="1"/> reste, comme <x id="2"/> et <g id="3">ceci</g>.', 'Traduit.']);
    expect(doc.blocks[0]!.spans['1']).toMatchObject({ kind: 'standalone', open: '<span translate="no">Le Monde</span>', text: 'Le Monde' });
  });

  it('writes opted-out elements back byte for byte', () => {
    const out = renderDocument(doc, translateAll(doc, upper));
    expect(out).toBe(html.replace('Le nom', 'LE NOM').replace(' reste, comme', ' RESTE, COMME').replace(' et <i', ' ET <i').replace('ceci', 'CECI').replace('<p>Traduit.', '<p>TRADUIT.'));
    expect(htmlStructure(out)).toEqual(htmlStructure(html));
  });
});

describe('HTML document language', () => {
  const html = '<!doctype html>\n<HTML LANG="fr-FR" xml:lang=\'fr\' data-lang="fr"><head><title>Titre</title></head>\n<body><p lang="en">Hello.</p><p>Bonjour.</p></body></html>\n';
  const doc = ingest(html, { format: 'html' });

  it('says the translation\'s language in <html lang> and xml:lang, and nothing else changes', () => {
    const out = renderDocument(doc, translateAll(doc, upper), 'pt-BR');
    expect(out).toBe(html.replace(`LANG="fr-FR" xml:lang='fr'`, 'LANG="pt-BR" xml:lang="pt-BR"').replace('Titre', 'TITRE').replace('Hello.', 'HELLO.').replace('Bonjour.', 'BONJOUR.'));
    expect(htmlStructure(out).slice(1)).toEqual(htmlStructure(html).slice(1));
  });

  it('keeps the source document byte for byte when no language is given', () => {
    expect(renderDocument(doc, new Map())).toBe(html);
  });
});

describe('HTML text in attributes: meta descriptions and image alt/title', () => {
  const html = [
    '<html><head><meta name="description" content=" Les modèles ouverts &amp; la presse. "><meta property="og:title" content=\'Les modèles\'><meta name="keywords" content="ia, gpu"><meta name="twitter:description" content=Court></head><body>',
    '<figure><a href="/g"><img src="/gpu.jpg" alt="Des cartes graphiques" title="Centre de données" width="600"></a><figcaption>Légende.</figcaption></figure>',
    '<p>Texte <img src="i.png" alt="dans la phrase"> suivi.</p><img src="x.png" alt="" class="notranslate" title="Logo">',
    '</body></html>',
  ].join('\n');
  const doc = ingest(html, { format: 'html' });

  it('makes the reader-facing ones blocks of their own', () => {
    expect(doc.blocks.map((b) => [b.kind, b.inline])).toEqual([
      ['other', 'Les modèles ouverts &amp; la presse.'],
      ['other', 'Les modèles'],
      ['other', 'Des cartes graphiques'],
      ['other', 'Centre de données'],
      ['paragraph', 'Légende.'],
      ['paragraph', 'Texte <x id="1"/> suivi.'],
    ]);
    expect(renderDocument(doc, new Map())).toBe(html);
  });

  it('writes translations that cannot end the attribute, and keeps the rest byte for byte', () => {
    const out = renderDocument(doc, translateAll(doc, (s) => `${s.toUpperCase()} "x" 'y' <b> & z`));
    expect(out).toContain('<meta name="description" content=" LES MODÈLES OUVERTS &amp; LA PRESSE. &quot;x&quot; \'y\' &lt;b&gt; &amp; z ">');
    expect(out).toContain('<meta property="og:title" content=\'LES MODÈLES "x" &#39;y&#39; &lt;b&gt; &amp; z\'>');
    expect(out).toContain('alt="DES CARTES GRAPHIQUES &quot;x&quot; \'y\' &lt;b&gt; &amp; z" title="CENTRE DE DONNÉES &quot;x&quot;');
    expect(htmlStructure(out)).toEqual(htmlStructure(html));
    const parsed = parse(out);
    const metas: string[] = [];
    const find = (n: T.ChildNode | T.Document) => {
      if ('tagName' in n && n.tagName === 'meta') metas.push(n.attrs.find((a) => a.name === 'content')!.value);
      if ('childNodes' in n) n.childNodes.forEach(find);
    };
    find(parsed);
    expect(metas).toEqual([' LES MODÈLES OUVERTS & LA PRESSE. "x" \'y\' <b> & z ', 'LES MODÈLES "x" \'y\' <b> & z', 'ia, gpu', 'Court']);
  });
});

describe('Markdown images standing alone: alt text', () => {
  const md = [
    '# Titre',
    '',
    '![Des cartes *graphiques* \\[GPU\\]](https://ex.com/gpu.jpg "Centre")',
    '',
    '[![Logo de la rédaction][logo]](https://ex.com) ![](x.png)',
    '',
    'Une phrase avec ![une image](i.png) dedans.',
    '',
    '[logo]: https://ex.com/logo.png',
    '',
  ].join('\n');
  const doc = ingest(md, { format: 'markdown' });

  it('translates the alt text of an image that is not inside a sentence', () => {
    expect(doc.blocks.map((b) => [b.kind, b.inline, b.translatable])).toEqual([
      ['title', 'Titre', true],
      ['other', 'Des cartes graphiques [GPU]', true],
      ['other', 'Logo de la rédaction', true],
      ['paragraph', 'Une phrase avec <x id="1"/> dedans.', true],
    ]);
    expect(renderDocument(doc, new Map())).toBe(md);
  });

  it('keeps the image syntax when the alt text changes, whatever it contains', () => {
    const out = renderDocument(doc, translateAll(doc, (s) => `${s.toUpperCase()} ] [x](y) *`));
    expect(out).toContain('![DES CARTES GRAPHIQUES \\[GPU\\] \\] \\[x\\](y) \\*](https://ex.com/gpu.jpg "Centre")');
    expect(out).toContain('[![LOGO DE LA RÉDACTION \\] \\[x\\](y) \\*][logo]](https://ex.com) ![](x.png)');
    expect(mdStructure(out)).toEqual(mdStructure(md));
  });
});

describe('Markdown autolinks', () => {
  it('give the address without its angle brackets as their text, and the brackets back in the document', () => {
    const md = 'Écrivez à <redaction@example.fr>, voyez <https://example.com/a> et https://example.org/b.\n';
    const doc = ingest(md, { format: 'markdown' });
    const b = doc.blocks[0]!;
    expect(Object.values(b.spans).map((s) => s.text)).toEqual(['redaction@example.fr', 'https://example.com/a', 'https://example.org/b']);
    expect(readableText(b.inline, b.spans)).toBe('Écrivez à redaction@example.fr, voyez https://example.com/a et https://example.org/b.');
    expect(renderDocument(doc, new Map([[1, 'Write to <x id="1"/>, see <x id="2"/> and <x id="3"/>.']]))).toBe('Write to <redaction@example.fr>, see <https://example.com/a> and https://example.org/b.\n');
  });
});

describe('Markdown hard breaks inside containers', () => {
  it('keep the next line\'s quote marker and list indentation in the translation', () => {
    const md = '> Ligne un.  \n> ligne deux.\n\n1. Premier.\\\n   suite **gras  \n   encore**.\n';
    const doc = ingest(md, { format: 'markdown' });
    const out = renderDocument(doc, translateAll(doc, upper));
    expect(out).toBe('> LIGNE UN.  \n> LIGNE DEUX.\n\n1. PREMIER.\\\n   SUITE **GRAS  \n   ENCORE**.\n');
    expect(mdStructure(out)).toEqual(mdStructure(md));
  });
});

describe('Markdown inline HTML: code and opt-out elements', () => {
  it('are one placeholder each, never sent to the engine, and come back as written', () => {
    const md = 'Le journal <span class="une notranslate">Le Monde</span> dit : tapez <kbd>Ctrl+C</kbd>, <i translate="no">sic</i>, puis <span>ceci</span> <br/>.\n';
    const doc = ingest(md, { format: 'markdown' });
    const b = doc.blocks[0]!;
    expect(b.inline).toBe('Le journal <x id="1"/> dit : tapez <x id="2"/>, <x id="3"/>, puis <x id="4"/>ceci<x id="5"/> <x id="6"/>.');
    expect(b.spans['1']).toMatchObject({ open: '<span class="une notranslate">Le Monde</span>', text: 'Le Monde' });
    expect(b.spans['2']).toMatchObject({ label: 'code', open: '<kbd>Ctrl+C</kbd>', text: 'Ctrl+C' });
    const out = renderDocument(doc, translateAll(doc, upper));
    expect(out).toBe('LE JOURNAL <span class="une notranslate">Le Monde</span> DIT : TAPEZ <kbd>Ctrl+C</kbd>, <i translate="no">sic</i>, PUIS <span>CECI</span> <br/>.\n');
  });
});
