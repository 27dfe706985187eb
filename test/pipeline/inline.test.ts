import { describe, expect, it } from 'vitest';
import { escapeXml, normalizeInline, readableText } from '../../pipeline/inline.js';
import { ingest } from '../../pipeline/ingest.js';

describe('escapeXml', () => {
  it.each([
    ['plain text, accents and emoji', 'L’IA coûte 5,5 € 🚀', 'L’IA coûte 5,5 € 🚀'],
    ['markup characters', 'a < b & c > "d"', 'a &lt; b &amp; c &gt; &quot;d&quot;'],
    ['an apostrophe stays', "it's", "it's"],
    ['control characters are dropped, tab and newlines kept', 'a\u0000b\u0007c\td\ne\rf\u001F', 'abc\td\ne\rf'],
    ['noncharacters are dropped', 'x\uFFFEy\uFFFFz', 'xyz'],
    ['lone surrogates are dropped, pairs kept', 'a\uD800b\uDC00c\uD83D\uDE00', 'abc\uD83D\uDE00'],
    ['an entity is escaped again', '&amp;', '&amp;amp;'],
  ])('%s', (_name, input, expected) => {
    expect(escapeXml(input)).toBe(expected);
  });
});

describe('normalizeInline', () => {
  it.each([
    ['text without tags', 'Bonjour « le monde »', 'Bonjour « le monde »'],
    ['tags as locflow writes them', 'A <g id="1">b</g> <x id="t1"/> c', 'A <g id="1">b</g> <x id="t1"/> c'],
    ['an escaped < is text', 'a &lt; b', 'a &lt; b'],
    ['a paired x from an HTML deformatter', 'Ver <x id="1"></x> y', 'Ver <x id="1"/> y'],
    ['single quotes, spaces, upper case', "<X id='2' /> <G  id = '3' >t< / G >", '<x id="2"/> <g id="3">t</g>'],
    ['one mangled tag among canonical ones', '<x id="1"/> <g id="2">a</g> <x id="3" />', '<x id="1"/> <g id="2">a</g> <x id="3"/>'],
    ['a self-closed g becomes an opening tag', '<g id="4"/>', '<g id="4">'],
    ['a < that opens no tag is left', '3 < 4 <b>', '3 < 4 <b>'],
  ])('%s', (_name, input, expected) => {
    expect(normalizeInline(input)).toBe(expected);
  });
});

describe('readableText (aligned.json, CSV, i18next)', () => {
  it('keeps the words of code, URLs, e-mail addresses and opted-out names, and line breaks', () => {
    const doc = ingest('<p>Tapez <code>pip install &lt;x&gt;</code>, voir https://ex.com/a ou a@ex.fr.<br>Puis <span translate="no">Le Monde</span> <!-- note --><img src="a.png" alt="x">.</p>', { format: 'html' });
    const b = doc.blocks[0]!;
    expect(readableText(b.inline, b.spans)).toBe('Tapez pip install <x>, voir https://ex.com/a ou a@ex.fr.\nPuis Le Monde .');
    // An unknown or lost placeholder adds nothing, as in the rendered document.
    expect(readableText('Type <x id="1"/> <x id="99"/>now &amp; <g id="7">go</g>.', b.spans)).toBe('Type pip install <x> now & go.');
  });
});
