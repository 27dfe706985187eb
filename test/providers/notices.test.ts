/**
 * Notes travel as notices (code + params) from where they are written to the
 * target result: the pipeline keeps warnings and notices in step, says
 * pseudo-localisation once, and reads a translator's bare English warnings as
 * `note-other`. The conformance check itself is tried on broken notices here,
 * so that a provider test using it can fail.
 */
import { describe, expect, it } from 'vitest';
import type { RoutePlan, TranslatorRequest } from '../../pipeline/model.js';
import { analyse, translateTarget } from '../../pipeline/run.js';
import { openTranslator } from '../../providers/index.js';
import { expectNotices } from './conformance.js';
import { EMPTY_ENV } from './fake.js';

const text = 'DeepSeek publie un modèle.\n\nLes chercheurs le comparent.\n\nLe code est en ligne.\n';

describe('notices through translateTarget', () => {
  it('adds note-pseudo, without params, to a pseudo target and keeps warnings in step', async () => {
    const translator = await openTranslator({ config: { env: EMPTY_ENV, routes: {}, pivots: ['en'], retry: {} }, provider: 'pseudo' });
    const target = await translateTarget(analyse(text, { terms: [], from: 'fr' }), 'en', { translator });
    const notices = expectNotices({ warnings: target.warnings, notices: target.notices });
    expect(notices).toEqual([{ code: 'note-pseudo', message: 'pseudo-localisation: this target is test output, not a translation' }]);
  });

  it('reads a translator that gives only English warnings as note-other, each sentence once over all batches', async () => {
    const plan: RoutePlan = { id: 'old:fr>en', label: 'old:fr→en', providers: ['old'], pseudo: false };
    let calls = 0;
    const translator = {
      plan: () => plan,
      translate: async (req: TranslatorRequest) => {
        calls++;
        return { texts: req.segments.map((s) => s.text), plan, billedChars: 1, warnings: ['old: slow today', `old: batch ${calls}`] };
      },
    };
    const target = await translateTarget(analyse(text, { terms: [], from: 'fr' }), 'en', { translator, batchSize: 1 });
    expect(calls).toBeGreaterThan(1);
    expect(target.warnings).toEqual(['old: slow today', ...Array.from({ length: calls }, (_, i) => `old: batch ${i + 1}`)]);
    expect(target.notices).toEqual(target.warnings.map((message) => ({ code: 'note-other', message, params: { detail: message } })));
  });
});

describe('the conformance check of notices', () => {
  const fallback = { code: 'note-fallback', message: 'a failed (x); falling back to b', params: { route: 'a', detail: 'x', next: 'b' } };

  it('accepts a notice whose sentence has every variable it names', () => {
    expect(expectNotices({ warnings: [fallback.message], notices: [fallback] })).toEqual([fallback]);
  });

  it('fails a notice without a sentence, one missing a variable, warnings without notices, and warnings that differ', () => {
    expect(() => expectNotices({ warnings: ['new'], notices: [{ code: 'note-brand-new', message: 'new' }] })).toThrow(/no sentence for note-brand-new/);
    expect(() => expectNotices({ warnings: [fallback.message], notices: [{ ...fallback, params: { route: 'a', detail: 'x' } }] })).toThrow(/needs \{\{next\}\}/);
    expect(() => expectNotices({ warnings: ['plain'] })).toThrow(/warnings without notices/);
    expect(() => expectNotices({ warnings: ['something else'], notices: [fallback] })).toThrow();
  });
});
