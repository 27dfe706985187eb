// A provider plugin written from PRODUCT.md alone: "translates" by upper-casing
// the text between tags, so placeholders pass through untouched. It records
// every call's size in options.log (one JSON line per call) so tests can check
// that locflow never sends more than maxTexts / maxChars at once, and which
// process made the call.
import { appendFileSync } from 'node:fs';

export default function createProvider(options, { env }) {
  const limits = { maxTexts: options.maxTexts ?? 3, maxChars: options.maxChars ?? 400 };
  return {
    id: 'upper',
    contractVersion: 3,
    configured: true,
    glossary: 'mask',
    limits,
    async pairs() {
      return [['fr', 'en'], ['fr', 'vi'], ['en', 'vi'], ['fr', 'es']].map(([from, to]) => ({ from, to }));
    },
    async translate({ segments, from, to, signal }) {
      signal?.throwIfAborted();
      const chars = segments.reduce((n, s) => n + s.text.length, 0);
      if (options.log) appendFileSync(options.log, JSON.stringify({ texts: segments.length, chars, to, pid: process.pid, over: segments.length > limits.maxTexts || (segments.length > 1 && chars > limits.maxChars) }) + '\n');
      const texts = segments.map((s) => (options.mode === 'drop-placeholders' ? s.text.replace(/<x id="[^"]*"\/>/g, '') : s.text.split(/(<[^>]*>|&[a-z]+;)/).map((p, i) => (i % 2 ? p : p.toUpperCase())).join('')));
      if (options.mode === 'one-short' && texts.length > 1) texts.pop();
      return { texts, billedChars: chars };
    },
    async health() {
      return { ok: true, message: `upper-casing plugin (${env.UPPER_GREETING ?? 'no greeting'})` };
    },
  };
}
