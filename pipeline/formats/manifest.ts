/** `manifest.json` and `qa.json`: what a bundle contains and how it was made. */
import type { BundleInput, QaFinding } from '../model.js';
import { qaSummary } from './notes.js';

export const BUNDLE_FORMAT_VERSION = 1;

/** True when the route was (or included) the offline pseudo-localisation provider. */
export function isPseudo(providers: string[]): boolean {
  return providers.includes('pseudo');
}

/** Every QA finding of every target, in segment order then target order. */
export function allFindings(input: BundleInput): QaFinding[] {
  const order = new Map(input.analysis.segments.map((s, i) => [s.id, i]));
  const out: { f: QaFinding; seg: number; target: number; n: number }[] = [];
  input.targets.forEach((t, ti) => {
    for (const seg of t.segments) seg.qa.forEach((f, n) => out.push({ f, seg: order.get(seg.id) ?? Number.MAX_SAFE_INTEGER, target: ti, n }));
  });
  out.sort((a, b) => a.seg - b.seg || a.target - b.target || a.n - b.n);
  return out.map(({ f }) => ({ segment: f.segment, lang: f.lang, check: f.check, severity: f.severity, message: f.message, origin: f.origin ?? 'machine' }));
}

export function qaJson(input: BundleInput): string {
  const findings = allFindings(input);
  return `${JSON.stringify({ summary: qaSummary(findings), findings }, null, 2)}\n`;
}

export function buildManifest(input: BundleInput, files: string[]): Record<string, unknown> {
  const { analysis } = input;
  const billed: Record<string, number> = {};
  let tmHits = 0;
  const targets = input.targets.map((t) => {
    // A target's characters are billed by its route; a multi-provider route (fallback) is reported under the joined ids.
    const machine = t.providers.filter((p) => p !== 'human');
    if (t.billedChars > 0 || machine.length > 0) {
      const key = machine.join('+') || 'none';
      billed[key] = (billed[key] ?? 0) + t.billedChars;
    }
    tmHits += t.tmHits;
    return {
      lang: t.lang,
      providers: t.providers,
      route: t.route,
      pseudo: isPseudo(t.providers),
      billedChars: t.billedChars,
      tmHits: t.tmHits,
      segments: t.segments.length,
      humanEdited: t.segments.filter((s) => s.human).map((s) => s.id),
      ...(t.review ? { review: { ...t.review } } : {}),
      // How glossary terms were imposed: substituted in the engine's translation, masked, or served from memory.
      ...(t.imposition ? { terms: { ...t.imposition } } : {}),
      skipped: t.segments.filter((s) => s.skipped).map((s) => ({ id: s.id, reason: s.skipped })),
      warnings: t.warnings,
      qa: qaSummary(t.segments.flatMap((s) => s.qa)),
      ms: t.ms,
    };
  });
  const occurrences = new Map<string, number>();
  for (const list of Object.values(analysis.matches)) for (const m of list) occurrences.set(m.termId, (occurrences.get(m.termId) ?? 0) + 1);
  return {
    bundleFormat: BUNDLE_FORMAT_VERSION,
    jobId: input.jobId,
    ...(input.title ? { title: input.title } : {}),
    revision: input.revision,
    createdAt: input.createdAt,
    toolVersion: input.toolVersion,
    source: {
      lang: analysis.sourceLang,
      confidence: analysis.confidence,
      detection: analysis.detection,
      format: analysis.doc.format,
      ...(analysis.doc.title !== undefined ? { title: analysis.doc.title } : {}),
      segments: analysis.segments.length,
    },
    targets,
    glossary: {
      version: analysis.glossaryVersion,
      terms: analysis.terms
        .map((t) => ({ id: t.id, term: t.term, kind: t.kind, occurrences: occurrences.get(t.id) ?? 0 }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    },
    totals: {
      billedChars: Object.fromEntries(Object.entries(billed).sort(([a], [b]) => (a < b ? -1 : 1))),
      tmHits,
      qa: qaSummary(allFindings(input)),
    },
    timings: input.timings,
    files,
  };
}
