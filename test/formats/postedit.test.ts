/**
 * Post-editing round trip on the fixture: export XLIFF, edit it the way a CAT
 * tool does (text inside the XML), import. Every refusal must leave the input
 * exactly as it was.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { applyXliff } from '../../pipeline/postedit.js';
import type { BundleInput } from '../../pipeline/model.js';
import { fixture, plainRenderer } from './fixture.js';
import { editTarget, exportedXliff, xliffRefusal } from './xliff-edit.js';
import { assertValidExports } from './schemas.js';

const exported = exportedXliff;


function refused(input: BundleInput, xliff: string | Uint8Array, status: number, code: string | RegExp): InputError {
  const err = xliffRefusal(input, xliff);
  expect(err.status).toBe(status);
  if (typeof code === 'string') expect(err.code).toBe(code);
  else expect(err.code).toMatch(code);
  expect(err.message).not.toMatch(/\n/);
  return err;
}

describe('applyXliff', () => {
  it('applies two edited targets, re-runs QA, bumps the revision and leaves the input alone', () => {
    const input = fixture();
    const before = structuredClone(input);
    let xliff = exported(input);
    xliff = editTarget(xliff, 'p2.s1', 'From <g id="1" ctype="link">OpenAI</g>’s CEO Sam Altman to scientist Andrew Ng, everyone praises open source &amp; more.', 'translated');
    xliff = editTarget(xliff, 'p2.s2', 'Training it cost just 5.5 million dollars &lt; 6 &amp; “less” 🚀.', 'signed-off');
    const { input: next, edited, lang } = applyXliff(input, xliff);
    expect(input).toEqual(before);
    expect(lang).toBe('en');
    expect(edited).toEqual(['p2.s1', 'p2.s2']);
    expect(next.revision).toBe(2);
    const en = next.targets.find((t) => t.lang === 'en')!;
    const s1 = en.segments.find((s) => s.id === 'p2.s1')!;
    expect(s1).toMatchObject({ provider: 'human', human: true, tm: false });
    expect(s1.plain).toBe('From OpenAI’s CEO Sam Altman to scientist Andrew Ng, everyone praises open source & more.');
    expect(s1.text).toContain('<g id="1">OpenAI</g>');
    // QA ran again on the human text (5,5 → 5.5 is a correct English number): the machine output's error is gone.
    expect(en.segments.find((s) => s.id === 'p2.s2')!.qa.filter((f) => f.check === 'numbers')).toEqual([]);
    expect(en.providers).toEqual(['apertium', 'human']);
    // Untouched units keep their machine output.
    expect(en.segments.find((s) => s.id === 'p1.s1')).toEqual(before.targets[0]!.segments[0]);
    // The other target is untouched.
    expect(next.targets[1]).toEqual(before.targets[1]);

    const files = writeBundle(next, { renderer: plainRenderer });
    expect(assertValidExports(files)).toBeGreaterThan(0);
    const aligned = JSON.parse(files.get('aligned.json') as string);
    expect(aligned.segments[1].text.en).toBe(s1.plain);
    expect(aligned.segments[1].meta.en).toMatchObject({ provider: 'human', human: true });
    expect(files.get('documents/en.txt')).toContain('everyone praises open source & more. Training it cost just 5.5 million');
    const manifest = JSON.parse(files.get('manifest.json') as string);
    expect(manifest.revision).toBe(2);
    expect(manifest.targets[0].humanEdited).toEqual(['p2.s1', 'p2.s2']);
    expect(files.get('xliff/fr-en.xlf')).toMatch(/<trans-unit id="p2\.s1"[^>]*>\s*<source>[^\n]*<\/source>\s*<target state="final">/);
  });

  it('records the QA findings of the human text (a dropped number is still reported)', () => {
    const input = fixture();
    const { input: next } = applyXliff(input, editTarget(exported(input), 'p2.s2', 'Training it cost very little &lt; 6 &amp; “less” 🚀.'));
    const qa = next.targets[0]!.segments.find((s) => s.id === 'p2.s2')!.qa;
    expect(qa.some((f) => f.check === 'numbers' && f.lang === 'en' && f.segment === 'p2.s2')).toBe(true);
    const files = writeBundle(next, { renderer: plainRenderer });
    expect(JSON.parse(files.get('qa.json') as string).findings.some((f: { segment: string; check: string }) => f.segment === 'p2.s2' && f.check === 'numbers')).toBe(true);
  });

  it('re-importing its own export changes nothing and makes no new revision', () => {
    const input = fixture();
    const { input: next, edited } = applyXliff(input, exported(input));
    expect(edited).toEqual([]);
    expect(next).toEqual(input);
  });

  it('does not count whitespace reflowed by a CAT tool as an edit, and trims the edges of a real edit', () => {
    const input = fixture();
    const reflowed = editTarget(exported(input), 'p1.s1', '  DeepSeek and  the\n open source approach ');
    expect(applyXliff(input, reflowed).edited).toEqual([]);
    const { input: next } = applyXliff(input, editTarget(exported(input), 'p1.s1', ' DeepSeek and open source\n'));
    expect(next.targets[0]!.segments[0]!.text).toBe('DeepSeek and open source');
  });

  it('counts a confirmed machine target (state="signed-off") as human', () => {
    const input = fixture();
    const xliff = exported(input).replace(/(<trans-unit id="p1\.s1"[\s\S]*?<target) state="translated" state-qualifier="leveraged-tm"/, '$1 state="signed-off"');
    const { edited, input: next } = applyXliff(input, xliff);
    expect(edited).toEqual(['p1.s1']);
    expect(next.targets[0]!.tmHits).toBe(0);
  });

  it('accepts a region variant of the target language and a UTF-8 byte-order mark', () => {
    const input = fixture();
    const xliff = editTarget(exported(input), 'p1.s1', 'DeepSeek and open source').replace('target-language="en"', 'target-language="en-US"');
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(xliff, 'utf8')]);
    expect(applyXliff(input, bytes).edited).toEqual(['p1.s1']);
  });

  it('refuses an unknown segment id', () => {
    const input = fixture();
    const xliff = exported(input).replace('id="p2.s2" resname="p2.s2"', 'id="p9.s9" resname="p9.s9"');
    expect(refused(input, xliff, 422, 'xliff-unknown-segment').message).toContain('p9.s9');
  });

  it('refuses a file for a language that is not a target of the job', () => {
    const input = fixture();
    refused(input, exported(input).replace('target-language="en"', 'target-language="vi"'), 422, 'xliff-language');
    refused(input, exported(input).replace('source-language="fr"', 'source-language="de"'), 422, 'xliff-language');
  });

  it('refuses broken placeholders: a lost link, an invented tag, an unbalanced pair', () => {
    const input = fixture();
    const base = exported(input);
    refused(input, editTarget(base, 'p2.s1', 'From the CEO of OpenAI, Sam Altman.'), 422, 'xliff-placeholders');
    refused(input, editTarget(base, 'p2.s1', 'From <g id="1">OpenAI</g> <x id="7"/>.'), 422, 'xliff-placeholders');
    refused(input, editTarget(base, 'p2.s1', 'From <bx id="1"/>OpenAI, Sam Altman.'), 422, 'xliff-placeholders');
    const err = refused(input, editTarget(base, 'p4.s1', 'He said so.'), 422, 'xliff-placeholders');
    expect(err.message).toContain('p4.s1');
  });

  it('refuses malformed XML with its position', () => {
    const input = fixture();
    const err = refused(input, exported(input).replace('</source>', '</sourc>'), 400, 'xliff-malformed');
    expect(err.message).toMatch(/line \d+/);
    refused(input, 'this is not xml', 400, /xliff-(malformed|not-xliff)/);
    refused(input, new Uint8Array([0x3c, 0x78, 0xff, 0xfe, 0x3e]), 400, 'xliff-encoding');
  });

  it('refuses an external entity (XXE) and an entity bomb without expanding anything', () => {
    const input = fixture();
    const xxe = exported(input)
      .replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
      .replace('DeepSeek and the open source approach', '&xxe;');
    refused(input, xxe, 400, 'xliff-doctype');
    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY lol0 "lol">${lol}]>\n<xliff version="1.2"><file source-language="fr" target-language="en" datatype="plaintext" original="x"><body><trans-unit id="p1.s1"><source>&lol9;</source><target>&lol9;</target></trans-unit></body></file></xliff>`;
    refused(input, bomb, 400, 'xliff-doctype');
    refused(input, '<xliff version="1.2"><!ENTITY x "y"></xliff>', 400, /xliff-(doctype|malformed)/);
  });

  it('refuses other mismatches: changed source, non-translatable edit, empty target, wrong version, oversized file', () => {
    const input = fixture();
    const base = exported(input);
    refused(input, base.replace('<source>DeepSeek et l’approche open source</source>', '<source>Un autre article</source>'), 422, 'xliff-source-mismatch');
    refused(input, editTarget(base, 'p3.s1', 'npm uninstall everything'), 422, 'xliff-not-translatable');
    refused(input, editTarget(base, 'p1.s1', '  '), 422, 'xliff-empty-target');
    refused(input, base.replace('version="1.2"', 'version="2.0"'), 422, 'xliff-version');
    refused(input, base.replace(/<trans-unit id="p2\.s2"[\s\S]*?<\/trans-unit>/, (u) => `${u}\n${u}`), 422, 'xliff-duplicate-segment');
    refused(input, editTarget(base, 'p1.s1', 'DeepSeek <ph id="1">&lt;b&gt;</ph>'), 422, 'xliff-inline');
    const before = structuredClone(input);
    expect(() => applyXliff(input, base, { maxBytes: 1000 })).toThrow(expect.objectContaining({ status: 413, code: 'xliff-too-large' }));
    expect(input).toEqual(before);
  });

  it('lists several problems in one line', () => {
    const input = fixture();
    let xliff = exported(input).replace('id="p1.s1" resname="p1.s1"', 'id="p8.s1" resname="p8.s1"');
    xliff = editTarget(xliff, 'p2.s1', 'No link any more.');
    const err = refused(input, xliff, 422, 'xliff-unknown-segment');
    expect(err.message).toMatch(/2 problems.*p8\.s1.*p2\.s1/);
    expect((err.details.problems as string[]).length).toBe(2);
  });
});
