import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escapeXml } from '../../pipeline/inline.js';
import { MAX_INPUT_BYTES, extensionFor, formatFromFilename, ingest, renderDocument, sniffFormat } from '../../pipeline/ingest.js';
import { firstInvalidUtf8 } from '../../pipeline/ingest.js';
import { refusal, SAMPLE_FR } from '../helpers.js';

const sample = (name: string) => new URL(`../../samples/${name}`, import.meta.url);


describe('ingest: refusals', () => {
  it('refuses empty and whitespace-only input, naming the file', () => {
    for (const input of ['', '   \n\t \r\n', new Uint8Array(0), new TextEncoder().encode('\uFEFF  \n')]) {
      const err = refusal(() => ingest(input, { filename: 'a.txt' }));
      expect(err.code).toBe('empty-input');
      expect(err.message).toContain('a.txt');
      expect(err.message).not.toContain('\n');
    }
  });

  it('refuses Markdown or HTML with nothing translatable', () => {
    expect(refusal(() => ingest('```\ncode only\n```\n', { format: 'markdown' })).code).toBe('empty-input');
    expect(refusal(() => ingest('<html><body><img src="a.png"><script>x()</script></body></html>')).code).toBe('empty-input');
  });

  it('refuses binary input: NUL bytes or many control characters', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(refusal(() => ingest(png, { filename: 'photo.png' })).code).toBe('binary-input');
    const controls = 'abc\u0001\u0002\u0003\u0004def\u0005\u0006'.repeat(20);
    expect(refusal(() => ingest(controls)).code).toBe('binary-input');
    expect(refusal(() => ingest('text\u0000more text')).code).toBe('binary-input');
  });

  it('refuses oversized input with 413 before decoding it', () => {
    // Invalid UTF-8 that is also too large: the size check must win (nothing is decoded).
    const big = new Uint8Array(2048).fill(0xff);
    const err = refusal(() => ingest(big, { maxBytes: 1024, filename: 'big.txt' }));
    expect(err.code).toBe('input-too-large');
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/big\.txt/);
    const str = refusal(() => ingest('é'.repeat(600), { maxBytes: 1000 }));
    expect(str.code).toBe('input-too-large');
    expect(MAX_INPUT_BYTES).toBe(10 * 1024 * 1024);
  });

  it('accepts input of exactly the limit', () => {
    const text = 'Bonjour le monde.';
    expect(ingest(text, { maxBytes: Buffer.byteLength(text) }).blocks).toHaveLength(1);
  });

  it('refuses invalid UTF-8 and gives the byte offset', () => {
    const latin1 = Buffer.concat([Buffer.from('Le café est '), Buffer.from([0xe9]), Buffer.from(' chaud.')]);
    const err = refusal(() => ingest(latin1, { filename: 'old.txt' }));
    expect(err.code).toBe('invalid-encoding');
    expect(err.message).toContain('offset 13');
    expect(err.message).toContain('old.txt');
    expect(err.details.offset).toBe(13);
  });

  it('finds the first invalid UTF-8 byte in the tricky cases', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(firstInvalidUtf8(enc('ok é 😀'))).toBe(-1);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2); // surrogate
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xe2, 0x82]))).toBe(1); // truncated
    expect(firstInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
  });

  it('decodes UTF-8 with a BOM and UTF-16 with a BOM; refuses BOM-less UTF-16', () => {
    const text = 'Selon M. Ng, le modèle est ouvert.';
    const bom8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect(ingest(bom8).blocks[0]!.inline).toBe(text);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(ingest(le).blocks[0]!.inline).toBe(text);
    const be = Buffer.from(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
    expect(ingest(be).blocks[0]!.inline).toBe(text);
    const noBom = Buffer.from(text, 'utf16le');
    const err = refusal(() => ingest(noBom));
    expect(err.code).toBe('invalid-encoding');
    expect(err.message).toMatch(/UTF-16/);
  });

  it('refuses an unknown forced format', () => {
    expect(refusal(() => ingest('x', { format: 'pdf' as never })).code).toBe('unknown-format');
  });
});

describe('ingest: normalisation', () => {
  it('normalises to NFC, LF, single spaces, no trailing whitespace', () => {
    const decomposed = 'Cafe\u0301 ouvert.\r\nDeuxie\u0300me\tligne  avec\u2003espaces.   \r\n';
    const doc = ingest(decomposed, { format: 'text' });
    expect(doc.blocks.map((b) => b.inline)).toEqual(['Café ouvert.', 'Deuxième ligne avec espaces.']);
    expect(doc.blocks[0]!.inline).toBe(doc.blocks[0]!.inline.normalize('NFC'));
    const skeleton = doc.skeleton as { source: string };
    expect(skeleton.source).not.toMatch(/\r|\t| \n/);
  });

  it('gives a CRLF file back with CRLF, and a file with mixed endings with LF', () => {
    for (const format of ['text', 'markdown', 'html'] as const) {
      const lines = format === 'html' ? ['<h1>Titre</h1>', '<p>Premier paragraphe.</p>', '<pre>a', 'b</pre>', ''] : ['Titre', '', 'Premier paragraphe.', '', '- point', ''];
      const doc = ingest(lines.join('\r\n'), { format });
      expect(renderDocument(doc, new Map()), format).toBe(lines.join('\r\n'));
      const translated = renderDocument(doc, new Map(doc.blocks.filter((b) => b.translatable).map((b) => [b.index, b.inline.toUpperCase()])));
      expect(translated.split('\r\n').length, format).toBe(lines.length);
      expect(translated.replace(/\r\n/g, ''), format).not.toContain('\n');
      expect(renderDocument(ingest(`${lines.join('\r\n')}\nfin.\n`, { format }), new Map()), format).not.toContain('\r');
    }
  });

  it('keeps French no-break spaces', () => {
    const doc = ingest('Une question\u202F? Oui\u00A0: vraiment.', { format: 'text' });
    expect(doc.blocks[0]!.inline).toContain('question\u202F?');
    expect(doc.blocks[0]!.inline).toContain('Oui\u00A0:');
  });
});

describe('format detection', () => {
  it('takes the format from the extension first', () => {
    expect(formatFromFilename('a/b/article.MD')).toBe('markdown');
    expect(formatFromFilename('x.markdown')).toBe('markdown');
    expect(formatFromFilename('x.htm')).toBe('html');
    expect(formatFromFilename('x.txt')).toBe('text');
    expect(formatFromFilename('x.docx')).toBeUndefined();
    expect(formatFromFilename(undefined)).toBeUndefined();
    expect(ingest('# not a heading in a .txt', { filename: 'a.txt' }).format).toBe('text');
    expect(ingest('plain words', { filename: 'a.md' }).format).toBe('markdown');
  });

  it('a forced format beats the extension', () => {
    expect(ingest('<p>Bonjour</p>', { filename: 'a.txt', format: 'html' }).format).toBe('html');
  });

  it('sniffs content when there is no usable extension', () => {
    expect(sniffFormat('<!DOCTYPE html><html><body><p>x</p></body></html>')).toBe('html');
    expect(sniffFormat('<p>Un paragraphe.</p>\n<p>Un autre.</p>')).toBe('html');
    expect(sniffFormat('# Titre\n\nTexte.')).toBe('markdown');
    expect(sniffFormat('Texte avec **gras**.\n\n- un\n- deux\n')).toBe('markdown');
    expect(sniffFormat('```\ncode\n```')).toBe('markdown');
    expect(sniffFormat(readFileSync(SAMPLE_FR, 'utf8'))).toBe('text');
    expect(sniffFormat('Prix : 3 < 5 et 5 > 3. Un seul *astérisque.')).toBe('text');
    expect(sniffFormat(readFileSync(sample('open-models.fr.md'), 'utf8'))).toBe('markdown');
    expect(sniffFormat(readFileSync(sample('open-models.fr.html'), 'utf8'))).toBe('html');
    expect(ingest(readFileSync(sample('open-models.fr.md')), { filename: '-' }).format).toBe('markdown');
  });

  it('maps formats to bundle extensions', () => {
    expect([extensionFor('text'), extensionFor('markdown'), extensionFor('html')]).toEqual(['txt', 'md', 'html']);
  });
});

describe('plain text', () => {
  it('reads the DeepSeek sample as one paragraph per line', () => {
    const doc = ingest(readFileSync(SAMPLE_FR), { filename: 'deepseek.fr.txt' });
    const lines = readFileSync(SAMPLE_FR, 'utf8').split('\n').filter((l) => l.trim());
    expect(doc.format).toBe('text');
    expect(doc.blocks).toHaveLength(lines.length);
    expect(doc.blocks.length).toBeGreaterThanOrEqual(20);
    expect(doc.blocks.every((b) => b.kind === 'paragraph')).toBe(true);
    expect(doc.blocks.map((b) => b.index)).toEqual(lines.map((_, i) => i + 1));
  });

  it('joins hard-wrapped paragraphs separated by blank lines', () => {
    const text = [
      'Un titre court',
      '',
      'La start-up a publié un modèle open source qui a surpris',
      "l'industrie, selon plusieurs analystes interrogés cette",
      'semaine.',
      '',
      'Deuxième paragraphe, lui aussi coupé à la main pour tenir',
      'dans quatre-vingts colonnes.',
      '',
    ].join('\n');
    const doc = ingest(text, { format: 'text' });
    expect(doc.blocks.map((b) => b.kind)).toEqual(['title', 'paragraph', 'paragraph']);
    expect(doc.title).toBe('Un titre court');
    expect(doc.blocks[1]!.inline).toBe("La start-up a publié un modèle open source qui a surpris l'industrie, selon plusieurs analystes interrogés cette semaine.");
    // Untranslated, the document comes back exactly as it was (wrapping included).
    expect(renderDocument(doc, new Map())).toBe(text);
    expect(renderDocument(doc, new Map([[2, 'Translated.']]))).toBe(text.replace(/La start-up[^]*?semaine\./, 'Translated.'));
  });

  it('detects a headline: first short line without final punctuation', () => {
    const doc = ingest(readFileSync(sample('open-models.fr.txt')));
    expect(doc.blocks[0]!.kind).toBe('title');
    expect(doc.title).toBe("Les modèles d'IA ouverts bousculent la Silicon Valley");
    expect(ingest('Une phrase complète.\nUne autre.').blocks[0]!.kind).toBe('paragraph');
  });

  it('protects bare URLs as placeholders and writes them back unchanged', () => {
    const doc = ingest('Lire la suite.\nSource : https://vietnamnet.vn/a-b-2368357.html?x=1&y=2.', { format: 'text' });
    const block = doc.blocks[1]!;
    expect(block.inline).toBe('Source : <x id="1"/>.');
    expect(block.spans['1']).toMatchObject({ kind: 'standalone', label: 'url', text: 'https://vietnamnet.vn/a-b-2368357.html?x=1&y=2' });
    expect(renderDocument(doc, new Map([[2, 'Fuente: <x id="1"/>.']]))).toBe('Lire la suite.\nFuente: https://vietnamnet.vn/a-b-2368357.html?x=1&y=2.');
  });

  it('protects e-mail addresses like URLs, so no engine rewrites them', () => {
    const doc = ingest('Écrivez à redaction.tech@example.fr ou mailto:a+b@lemonde.fr, pas à @AFP.', { format: 'text' });
    const block = doc.blocks[0]!;
    expect(block.inline).toBe('Écrivez à <x id="1"/> ou <x id="2"/>, pas à @AFP.');
    expect(block.spans['1']).toMatchObject({ kind: 'standalone', label: 'email', text: 'redaction.tech@example.fr' });
    expect(block.spans['2']).toMatchObject({ label: 'email', text: 'mailto:a+b@lemonde.fr' });
    expect(renderDocument(doc, new Map([[1, 'Write to <x id="1"/> or <x id="2"/>, not to @AFP.']]))).toBe('Write to redaction.tech@example.fr or mailto:a+b@lemonde.fr, not to @AFP.');
    const html = ingest('<p>Contact : <b>redaction@example.fr</b>.</p><p>Autre paragraphe.</p>', { format: 'html' });
    expect(html.blocks[0]!.inline).toBe('Contact : <g id="1"><x id="2"/></g>.');
  });

  it('escapes markup characters of plain text as inline XML and restores them', () => {
    const doc = ingest('Si a < b & c > d, alors "x".', { format: 'text' });
    expect(doc.blocks[0]!.inline).toBe(escapeXml('Si a < b & c > d, alors "x".'));
    expect(renderDocument(doc, new Map([[1, 'If a &lt; b &amp; c &gt; d, then "x".']]))).toBe('If a < b & c > d, then "x".');
  });

  it('keeps a skeleton that survives JSON (job data) unchanged', () => {
    for (const name of ['open-models.fr.txt', 'open-models.fr.md', 'open-models.fr.html']) {
      const doc = ingest(readFileSync(sample(name)), { filename: name });
      const copy = JSON.parse(JSON.stringify(doc));
      expect(copy).toEqual(doc);
      const upper = new Map(doc.blocks.map((b) => [b.index, b.inline.replace(/>([^<]*)</g, (_m, t: string) => `>${t}<`)]));
      expect(renderDocument(copy, upper)).toBe(renderDocument(doc, upper));
    }
  });
});

describe('renderDocument: damaged translations', () => {
  it('drops unknown placeholders and orphan closing tags but keeps the text', () => {
    const doc = ingest('Un *mot* et un [lien](https://example.org).', { format: 'markdown' });
    expect(doc.blocks[0]!.inline).toBe('Un <g id="1">mot</g> et un <g id="2">lien</g>.');
    const out = renderDocument(doc, new Map([[1, 'A <g id="1">word</g></g> and <g id="9">a</g> <x id="7"/>link</g>.']]));
    expect(out).toBe('A *word* and a link.');
  });

  it('closes pairs a translation left open', () => {
    const doc = ingest('<p>Un <a href="/x">lien</a> ici.</p>', { format: 'html' });
    expect(renderDocument(doc, new Map([[1, 'A <g id="1">link here.']]))).toBe('<p>A <a href="/x">link here.</a></p>');
  });

  it('repairs engine-mangled tags (<x id="1"></x>) through normalizeInline', () => {
    const doc = ingest('Voir `npm ci` puis lancer.', { format: 'markdown' });
    expect(renderDocument(doc, new Map([[1, 'Ver <x id="1"></x> y lanzar.']]))).toBe('Ver `npm ci` y lanzar.');
  });
});

describe('Markdown size limit', () => {
  it('refuses Markdown beyond MAX_MARKDOWN_CHARS with 413 instead of parsing for minutes', async () => {
    const { MAX_MARKDOWN_CHARS } = await import('../../pipeline/ingest.js');
    const err = refusal(() => ingest('> citation\n'.repeat(Math.ceil(MAX_MARKDOWN_CHARS / 11) + 1), { format: 'markdown', filename: 'q.md' }));
    expect(err.code).toBe('input-too-large');
    expect(err.status).toBe(413);
    expect(err.message).toContain('q.md');
  });
});
