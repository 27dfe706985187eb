/**
 * i18next v4 JSON resources per language, nested by paragraph then sentence
 * (`{"p3": {"s2": "…"}}`), so `t('p3.s2')` works with i18next's default
 * `keySeparator` ('.'). Values are plain text.
 */
import type { AlignedDocument, Lang } from '../model.js';

export function i18nextResources(doc: AlignedDocument, lang: Lang): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const seg of doc.segments) {
    const dot = seg.id.indexOf('.');
    const [para, sentence] = dot > 0 ? [seg.id.slice(0, dot), seg.id.slice(dot + 1)] : [seg.id, '_'];
    (out[para] ??= {})[sentence] = seg.text[lang] ?? '';
  }
  return out;
}

export function i18nextJson(doc: AlignedDocument, lang: Lang): string {
  return `${JSON.stringify(i18nextResources(doc, lang), null, 2)}\n`;
}
