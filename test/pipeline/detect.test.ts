import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { francAll } from 'franc';
import { describe, expect, it } from 'vitest';
import { detectDetailed, detectLanguage, detectSegments } from '../../pipeline/detect.js';
import { InputError } from '../../pipeline/errors.js';
import { calibrate } from '../../pipeline/detect/detector.js';
import { extractFeatures, prepare } from '../../pipeline/detect/features.js';
import { francRank } from '../../pipeline/detect/franc.js';
import { fromFranc, parseCandidates } from '../../pipeline/detect/languages.js';
import { scoreFeatures, shippedModel } from '../../pipeline/detect/model.js';
import { dominantScript, hasVietnameseLetters } from '../../pipeline/detect/script.js';
import { SHARED } from '../helpers.js';
import type { Segment } from '../../pipeline/model.js';

const FVE = ['fr', 'vi', 'en'];
const L17 = ['ca', 'cs', 'da', 'de', 'en', 'es', 'fr', 'id', 'it', 'nl', 'pl', 'pt', 'ro', 'ru', 'sv', 'tr', 'vi'];

/** What the naive Bayes model alone says about a text that skipped masking: the "without the technique" side. */
function modelOnly(text: string, only: string[]): string {
  const model = shippedModel();
  const allowed = only.map((l) => model.header.langs.indexOf(l));
  const z = new Float64Array(model.header.langs.length);
  scoreFeatures(model, extractFeatures(text.normalize('NFC').replace(/\s+/g, ' ').trim()), allowed, z);
  let best = allowed[0]!;
  for (const k of allowed) if (z[k]! > z[best]!) best = k;
  return model.header.langs[best]!;
}

function segment(id: string, plain: string): Segment {
  return { id, paragraph: 1, sentence: 1, source: plain, plain, hash: id, translatable: true };
}

describe('language codes at the edge', () => {
  it('maps franc codes, including individual languages of a macrolanguage', () => {
    expect(fromFranc('fra')).toBe('fr');
    expect(fromFranc('vie')).toBe('vi');
    expect(fromFranc('arb')).toBe('ar');
    expect(fromFranc('cmn')).toBe('zh');
    expect(fromFranc('ceb')).toBe('ceb');
  });

  it('refuses an unknown code in the candidates with an InputError', () => {
    expect(() => parseCandidates(['fr', 'vn'])).toThrow(InputError);
    expect(() => detectLanguage('Bonjour tout le monde, comment allez-vous ?', { only: ['fr', 'xx-notreal'] })).toThrow(/not a known language code/);
    expect(parseCandidates(['FR', 'pt-BR', 'fr'])).toEqual(['fr', 'pt']);
  });
});

describe('whole articles', () => {
  const dirs = [join(SHARED, 'samples'), join(import.meta.dirname, '../../samples')];
  const articles = dirs.flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => /\.(fr|vi|en)\.(txt|md|html)$/.test(f))
        .map((f) => ({ file: join(d, f), lang: /\.(fr|vi|en)\./.exec(f)![1]! }));
    } catch {
      return [];
    }
  });

  it('finds the sample articles', () => {
    expect(articles.some((a) => a.file.endsWith('deepseek.fr.txt'))).toBe(true);
  });

  it.each(articles.map((a) => [a.file, a.lang]))('%s is %s, with fr/vi/en and with the default candidates', (file, lang) => {
    const text = readFileSync(file, 'utf8');
    const restricted = detectLanguage(text, { only: FVE });
    expect(restricted.lang).toBe(lang);
    expect(restricted.confidence).toBeGreaterThan(0.9);
    expect(detectLanguage(text).lang).toBe(lang);
  });
});

describe('document language', () => {
  it('is decided by a vote of sentences, so that a strongly typed quote does not take over', () => {
    const article = [
      'Le laboratoire a publié jeudi un nouveau modèle de langage, plus petit et moins coûteux.',
      '',
      '“We are not in a race with anyone, we simply want to build useful tools for everybody,” said the founder.',
      '',
      'Les chercheurs restent prudents sur les performances annoncées.',
    ].join('\n');
    // One likelihood sum over the whole text prefers English here…
    expect(modelOnly(article, FVE)).toBe('en');
    // …the sentences are two to one for French.
    const guess = detectLanguage(article, { only: FVE });
    expect(guess.lang).toBe('fr');
    expect(guess.confidence).toBeLessThan(0.9); // a mixed text is not reported as certain
  });
});

describe('Unicode script', () => {
  it('settles single-script languages and narrows the others', () => {
    expect(dominantScript('Привет, как дела?')?.script).toBe('Cyrillic');
    expect(detectLanguage('Привет, как дела?', { only: L17 }).lang).toBe('ru');
    expect(detectLanguage('日本語のテキストです').lang).toBe('ja');
    expect(detectLanguage('这是一个中文句子').lang).toBe('zh');
    expect(detectLanguage('Καλημέρα σε όλους').lang).toBe('el');
    expect(detectLanguage('안녕하세요 여러분').lang).toBe('ko');
  });

  it('answers und when no candidate is written in the text’s script', () => {
    expect(detectLanguage('Привет, как дела?', { only: FVE }).lang).toBe('und');
  });

  it('lets a real share of Cyrillic win over embedded Latin code words', () => {
    // Latin letters outnumber Cyrillic here; counting letters alone would say Latin.
    const text = 'сбой в iconv open:';
    expect(dominantScript(text)?.script).toBe('Cyrillic');
    expect(detectLanguage(text, { only: L17 }).lang).toBe('ru');
  });
});

describe('Vietnamese', () => {
  it('treats Vietnamese-only letters as decisive', () => {
    const text = 'git bisect được gọi với event type';
    expect(hasVietnameseLetters(text)).toBe(true);
    expect(hasVietnameseLetters('Secțiunea țintă are realocări')).toBe(false); // Romanian ă/ț are shared, not decisive
    const d = detectDetailed('atspi event listener register from callback gọi', { only: FVE });
    expect(d.lang).toBe('vi');
    expect(d.via).toBe('letters');
    // Without the rule, the English words win.
    expect(modelOnly('atspi event listener register from callback gọi', FVE)).toBe('en');
  });

  it('compares against franc’s Vietnamese profile in NFD', () => {
    const candidates = ['vi', 'da', 'en', 'fr', 'hu', 'fi', 'tl', 'ceb', 'hr', 'yo'];
    const codes = ['vie', 'dan', 'eng', 'fra', 'hun', 'fin', 'tgl', 'ceb', 'hrv', 'yor'];
    for (const text of ['Tiếp tục', 'Đóng cửa sổ', 'Hoàn tất']) {
      // franc on NFC text misses these…
      expect(francAll(text.normalize('NFC'), { only: codes, minLength: 1 })[0]![0]).not.toBe('vie');
      // …and finds them once the tone marks are combining characters, as in its profile.
      expect(francRank(text, candidates)[0]!.lang).toBe('vi');
    }
  });

  it('uses franc (in NFD) when a candidate is outside locflow’s model', () => {
    expect(detectLanguage('Đóng cửa sổ và lưu lại', { only: ['vi', 'hu', 'fi'] }).lang).toBe('vi');
    expect(detectLanguage('Egészségére, ez egy magyar mondat a fájlok mentéséről.', { only: ['fr', 'hu', 'en'] }).lang).toBe('hu');
  });
});

describe('masking before scoring', () => {
  it('removes URLs, e-mail addresses, placeholders and numbers', () => {
    expect(prepare('Voir https://example.com/a?b=1 ou écrire à jean.dupont@example.org')).toBe('Voir ou écrire à');
    expect(prepare('Fichier %1$s : %d octets, {0} sur {count}, ${HOME} et $1')).toBe('Fichier : octets, sur , et');
    expect(prepare('Version 2024.10.31, 0x7fff0000 et 12 345')).toBe('Version 0, 0 et 0 0');
  });

  it('keeps a URL full of English words from outvoting a French sentence', () => {
    const text = 'Voir https://www.example.com/download/the-latest-release-notes-for-everyone';
    expect(modelOnly(text, FVE)).toBe('en');
    expect(detectLanguage(text, { only: FVE }).lang).toBe('fr');
  });

  it('keeps numbers from deciding', () => {
    const text = 'Pàgina 2024-10-31 12:45:00';
    expect(modelOnly(text, L17)).not.toBe('ca');
    expect(detectDetailed(text, { only: L17, minConfidence: 0 }).lang).toBe('ca');
  });

  it('masks camel-case product names and short acronyms, which no language owns', () => {
    expect(prepare('Les GPUs de NVIDIA avec OpenAI et DeepSeek')).toBe('Les de NVIDIA avec et');
    expect(prepare('ÉTAT du système')).toBe('ÉTAT du système'); // an all-capital word is kept
    const text = 'Mua GPU RTX cho DeepSeek và OpenAI';
    expect(modelOnly(text, FVE)).toBe('en');
    expect(detectDetailed(text, { only: FVE }).lang).toBe('vi');
    expect(detectDetailed(text, { only: FVE }).via).toBe('model');
  });

  it('masks glossary terms and names given by the caller', () => {
    const text = 'Open Source Developer Platform for Machine Learning Teams est disponible';
    expect(detectLanguage(text, { only: FVE }).lang).toBe('en');
    expect(detectLanguage(text, { only: FVE, mask: ['Open Source Developer Platform for Machine Learning Teams'] }).lang).toBe('fr');
  });
});

describe('confidence and und', () => {
  it('answers und for text with nothing to detect or too little', () => {
    for (const text of ['', '   ', '12345 678', 'https://example.com/a/b', '%s %d', 'a']) {
      expect(detectLanguage(text, { only: FVE })).toEqual({ lang: 'und', confidence: 0 });
    }
  });

  it('answers und for letters that form no language the model knows', () => {
    expect(detectLanguage('xqzkw vbrtp', { only: FVE }).lang).toBe('und');
    expect(detectLanguage('qwxz jkvb zxqp wvkj', { only: L17 }).lang).toBe('und');
  });

  it('answers und below the confidence threshold and keeps the best guess', () => {
    const d = detectDetailed('Format', { only: L17, minConfidence: 0.99 });
    expect(d.lang).toBe('und');
    expect(d.best).toBeTruthy();
    expect(detectDetailed('Format', { only: L17, minConfidence: 0 }).lang).toBe(d.best);
  });

  it('calibrates: the table is monotone and longer text earns more confidence', () => {
    const model = shippedModel();
    const { knots, accuracy } = model.header.calibration;
    expect(knots.length).toBeGreaterThan(3);
    for (let i = 1; i < accuracy.length; i++) expect(accuracy[i]!).toBeGreaterThanOrEqual(accuracy[i - 1]!);
    expect(calibrate(model, 0.99)).toBeGreaterThanOrEqual(calibrate(model, 0.5));
    const short = detectLanguage('Fichier', { only: L17 });
    const long = detectLanguage('Impossible d’ouvrir le fichier de configuration : vérifiez les droits d’accès.', { only: L17 });
    expect(long.lang).toBe('fr');
    expect(long.confidence).toBeGreaterThan(short.lang === 'und' ? 0 : short.confidence);
  });

  it('ships held-out (cross-validated) accuracy, not training accuracy, in the model', () => {
    const cv = shippedModel().header.crossValidation!;
    expect(cv['all all']).toBeGreaterThan(0.9);
    expect(cv['all all']).toBeLessThan(0.99); // a training-set figure on this noisy data would be near 1
  });
});

describe('per-segment languages', () => {
  it('uses the document language as a prior for short segments', () => {
    // Alone, "Information" reads as English and "Options" as French…
    expect(detectDetailed('Information', { only: FVE, minConfidence: 0 }).lang).toBe('en');
    expect(detectDetailed('Options', { only: FVE, minConfidence: 0 }).lang).toBe('fr');
    // …inside an article, each follows the article.
    expect(detectDetailed('Information', { only: FVE, prior: 'fr' }).lang).toBe('fr');
    expect(detectDetailed('Options', { only: FVE, prior: 'en' }).lang).toBe('en');
    const [g] = detectSegments([segment('p1.s1', 'Information')], 'fr', { only: FVE });
    expect(g!.lang).toBe('fr');
  });

  it('still marks a real quote in another language', () => {
    const segments = [
      segment('p1.s1', 'Le laboratoire chinois a publié jeudi un nouveau modèle de langage.'),
      segment('p1.s2', '“We are not in a race with anyone, we simply want to build useful tools for everybody,” said the founder.'),
      segment('p1.s3', 'Những con số này vẫn chưa được kiểm chứng một cách độc lập.'),
      segment('p1.s4', 'Format'),
    ];
    const langs = detectSegments(segments, 'fr', { only: FVE }).map((g) => g.lang);
    expect(langs).toEqual(['fr', 'en', 'vi', 'fr']);
  });

  it('leaves untranslatable segments (code) in the document language', () => {
    const code = { ...segment('p2.s1', 'const x = require("fs");'), translatable: false };
    expect(detectSegments([code], 'vi', { only: FVE })[0]).toEqual({ lang: 'vi', confidence: 1 });
  });
});
