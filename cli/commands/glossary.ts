/**
 * `locflow glossary …`: the review workflow from a terminal. Every command
 * except `suggest` goes through the HTTP API, so the server's roles apply to
 * the CLI exactly as to any other client; `suggest` works offline.
 */
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import { ApiClient, type ClientOptions } from '../api-client.js';
import { writeFileAtomic } from '../bundle-output.js';
import type { TFunction } from 'i18next';
import { formatFromName, GLOSSARY_FORMATS, requireFormat, type GlossaryFormat } from '../../glossary/io/index.js';
import type { Conflict } from '../../glossary/conflicts.js';
import { getI18n } from '../../locales/i18n.js';
import { InputError } from '../../pipeline/errors.js';
import type { Term } from '../../pipeline/model.js';
import { analyse } from '../../pipeline/run.js';
import { suggestTerms } from '../../pipeline/suggest.js';
import { loadGlossaryFiles, readGlossaryText } from '../glossary-files.js';
import { readArticle } from '../input.js';
import { action, parseList } from '../run-command.js';

const CONTENT_TYPES: Record<GlossaryFormat, string> = {
  yaml: 'application/yaml',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  tbx: 'application/x-tbx+xml',
};

function withClientOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'locflow API (default LOCFLOW_SERVER or http://127.0.0.1:3000)')
    .option('--token <token>', 'API token (default LOCFLOW_TOKEN)');
}

function termLine(t: Term): string {
  const tr = Object.entries(t.translations)
    .map(([l, f]) => `${l}=${f}`)
    .join(', ');
  const freq = t.frequency !== undefined ? ` ×${t.frequency}` : '';
  return `${t.id}\t${t.status}\t${t.kind}\t${t.lang}\t${t.term}${tr ? `\t→ ${tr}` : ''}${freq}`;
}

function printWarnings(t: TFunction, warnings: Conflict[] | undefined): void {
  for (const w of warnings ?? []) process.stderr.write(`${t('glossary:conflictWarning', { type: w.type, message: w.message })}\n`);
}

/** `en=open source,vi=mã nguồn mở` → {en: 'open source', vi: 'mã nguồn mở'}. */
function parseTranslations(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values.flatMap((x) => x.split(','))) {
    const at = v.indexOf('=');
    if (at <= 0) throw new InputError('bad-option', `--to takes LANG=FORM pairs such as en="open source", not "${v}"`, { params: { value: v, context: 'pairs' } });
    out[v.slice(0, at).trim()] = v.slice(at + 1).trim();
  }
  return out;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface TermOptions extends ClientOptions {
  lang: string;
  kind?: string;
  to: string[];
  variant: string[];
  note?: string;
  caseSensitive?: boolean;
  json?: boolean;
}

function termBody(term: string, o: TermOptions, status: 'proposed' | 'approved'): Record<string, unknown> {
  const translations = parseTranslations(o.to);
  const body: Record<string, unknown> = { term, lang: o.lang, kind: o.kind ?? (Object.keys(translations).length ? 'translate' : 'keep'), translations, variants: o.variant, status };
  if (o.note !== undefined) body.note = o.note;
  if (o.caseSensitive !== undefined) body.caseSensitive = o.caseSensitive;
  return body;
}

export function registerGlossary(program: Command): void {
  const glossary = program.command('glossary').description('Review and exchange glossary terms (through the locflow API); suggest terms for an article (offline)');

  withClientOptions(
    glossary
      .command('list')
      .description('list terms')
      .addOption(new Option('--status <status>', 'filter by status').choices(['proposed', 'approved', 'rejected', 'deprecated']))
      .addOption(new Option('--kind <kind>', 'filter by kind').choices(['keep', 'translate', 'forbidden']))
      .option('--lang <lang>', 'filter by language')
      .option('-q, --query <text>', 'search in terms, variants, translations and notes')
      .addOption(new Option('--sort <order>', 'newest first, or suggestions most used in articles first').choices(['updated', 'frequency']))
      .option('--offset <n>', 'skip this many', '0')
      .option('--limit <n>', 'at most this many (≤ 1000)', '100')
      .option('--json', 'print {terms,total} as JSON'),
  ).action(
    action(async (o: ClientOptions & { status?: string; kind?: string; lang?: string; query?: string; sort?: string; offset: string; limit: string; json?: boolean }) => {
      const { t } = await getI18n();
      const qs = new URLSearchParams();
      if (o.status) qs.set('status', o.status);
      if (o.kind) qs.set('kind', o.kind);
      if (o.lang) qs.set('lang', o.lang);
      if (o.query) qs.set('q', o.query);
      if (o.sort) qs.set('sort', o.sort);
      qs.set('offset', o.offset);
      qs.set('limit', o.limit);
      const res = await new ApiClient(o, t).json<{ terms: Term[]; total: number }>('GET', `/v1/glossary/terms?${qs}`);
      if (o.json) return void process.stdout.write(`${JSON.stringify(res)}\n`);
      for (const term of res.terms) process.stdout.write(`${termLine(term)}\n`);
      process.stderr.write(`${t('glossary:listed', { shown: res.terms.length, total: res.total })}\n`);
    }),
  );

  withClientOptions(glossary.command('show').description('one term with its history').argument('<id>').option('--json', 'print the term as JSON')).action(
    action(async (id: string, o: ClientOptions & { json?: boolean }) => {
      const { t } = await getI18n();
      const term = await new ApiClient(o, t).json<Term>('GET', `/v1/glossary/terms/${encodeURIComponent(id)}`);
      if (o.json) return void process.stdout.write(`${JSON.stringify(term)}\n`);
      process.stdout.write(`${termLine(term)}\n`);
      if (term.variants.length) process.stdout.write(`  ${t('glossary:show.variants', { variants: term.variants.join(', ') })}\n`);
      if (term.note) process.stdout.write(`  ${t('glossary:show.note', { note: term.note })}\n`);
      for (const h of term.history ?? []) process.stdout.write(`  ${h.at}  ${h.by}  ${h.action}${h.changes ? `  ${JSON.stringify(h.changes)}` : ''}\n`);
    }),
  );

  for (const [name, status] of [
    ['propose', 'proposed'],
    ['add', 'approved'],
  ] as const) {
    withClientOptions(
      glossary
        .command(name)
        .description(name === 'propose' ? 'propose a term for review (any token)' : 'add an approved term directly (reviewer or admin)')
        .argument('<term>')
        .requiredOption('--lang <lang>', 'language of the term, e.g. fr')
        .addOption(new Option('--kind <kind>', 'keep, translate or forbidden (default: translate with --to, else keep)').choices(['keep', 'translate', 'forbidden']))
        .option('--to <lang=form>', 'forced translation, repeatable: --to en=AI --to vi=AI', collect, [])
        .option('--variant <form>', 'another spelling, repeatable', collect, [])
        .option('--note <text>', 'note for reviewers and translators')
        .option('--case-sensitive', 'match the exact case')
        .option('--no-case-sensitive', 'match in any case')
        .option('--json', 'print the term as JSON'),
    ).action(
      action(async (term: string, o: TermOptions) => {
        const { t } = await getI18n();
        const created = await new ApiClient(o, t).json<Term>('POST', '/v1/glossary/terms', { json: termBody(term, o, status) });
        if (o.json) return void process.stdout.write(`${JSON.stringify(created)}\n`);
        process.stdout.write(`${termLine(created)}\n`);
      }),
    );
  }

  withClientOptions(
    glossary
      .command('approve')
      .description('approve one or more terms (reviewer or admin); several ids are approved all or none')
      .argument('<ids...>')
      .option('--comment <text>', 'recorded in the history (single term)')
      .option('--json', 'print the result as JSON'),
  ).action(
    action(async (ids: string[], o: ClientOptions & { comment?: string; json?: boolean }) => {
      const { t } = await getI18n();
      const client = new ApiClient(o, t);
      const res =
        ids.length === 1
          ? await client.json<{ term: Term; warnings: Conflict[] }>('POST', `/v1/glossary/terms/${encodeURIComponent(ids[0]!)}/approve`, { json: o.comment ? { comment: o.comment } : {} }).then((r) => ({ terms: [r.term], warnings: r.warnings }))
          : await client.json<{ terms: Term[]; warnings: Conflict[] }>('POST', '/v1/glossary/bulk-approve', { json: { ids } });
      if (o.json) return void process.stdout.write(`${JSON.stringify(res)}\n`);
      for (const term of res.terms) process.stdout.write(`${termLine(term)}\n`);
      printWarnings(t, res.warnings);
    }),
  );

  for (const verb of ['reject', 'deprecate'] as const) {
    withClientOptions(
      glossary
        .command(verb)
        .description(`${verb} a term (reviewer or admin)`)
        .argument('<id>')
        .option('--comment <text>', 'recorded in the history')
        .option('--json', 'print the result as JSON'),
    ).action(
      action(async (id: string, o: ClientOptions & { comment?: string; json?: boolean }) => {
        const { t } = await getI18n();
        const res = await new ApiClient(o, t).json<{ term: Term }>('POST', `/v1/glossary/terms/${encodeURIComponent(id)}/${verb}`, { json: o.comment ? { comment: o.comment } : {} });
        if (o.json) return void process.stdout.write(`${JSON.stringify(res)}\n`);
        process.stdout.write(`${termLine(res.term)}\n`);
      }),
    );
  }

  withClientOptions(
    glossary
      .command('import')
      .description('import a glossary file, all or nothing (reviewer or admin)')
      .argument('<file>', 'YAML, CSV, TSV or TBX file')
      .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices([...GLOSSARY_FORMATS]))
      .option('--source <lang>', 'source language of a two-column CSV/TSV (DeepL entries)')
      .option('--target <lang>', 'target language of a two-column CSV/TSV')
      .addOption(new Option('--status <status>', 'status of terms the file does not give one').choices(['proposed', 'approved', 'rejected', 'deprecated']))
      .option('--json', 'print the report as JSON'),
  ).action(
    action(async (file: string, o: ClientOptions & { format?: string; source?: string; target?: string; status?: string; json?: boolean }) => {
      const { t } = await getI18n();
      const format = requireFormat(o.format ?? formatFromName(file) ?? 'yaml', '--format');
      const client = new ApiClient(o, t);
      // Decoded here (BOM, UTF-16, strict UTF-8) so a wrongly encoded file is refused before anything is sent.
      const text = await readGlossaryText(file);
      const qs = new URLSearchParams({ format });
      if (o.source) qs.set('source', o.source);
      if (o.target) qs.set('target', o.target);
      if (o.status) qs.set('status', o.status);
      const report = await client.json<{ total: number; created: number; updated: number; unchanged: number; version: string; warnings: Conflict[] }>('POST', `/v1/glossary/import?${qs}`, {
        raw: text,
        type: `${CONTENT_TYPES[format]}; charset=utf-8`,
      });
      if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
      process.stderr.write(`${t('glossary:imported', { file: basename(file), ...report })}\n`);
      printWarnings(t, report.warnings);
    }),
  );

  withClientOptions(
    glossary
      .command('export')
      .description('export the glossary')
      .addOption(new Option('--format <format>', 'yaml, csv, tsv or tbx (default: from --out, else yaml)').choices([...GLOSSARY_FORMATS]))
      .option('--out <file>', 'write to this file instead of stdout')
      .option('--source <lang>', 'with --target: one language pair as DeepL entries (csv/tsv)')
      .option('--target <lang>', 'target language of a pair export')
      .addOption(new Option('--status <status>', 'only terms with this status').choices(['proposed', 'approved', 'rejected', 'deprecated'])),
  ).action(
    action(async (o: ClientOptions & { format?: string; out?: string; source?: string; target?: string; status?: string }) => {
      const { t } = await getI18n();
      const format = requireFormat(o.format ?? (o.out ? formatFromName(o.out) : undefined) ?? 'yaml', '--format');
      const qs = new URLSearchParams({ format });
      if (o.source) qs.set('source', o.source);
      if (o.target) qs.set('target', o.target);
      if (o.status) qs.set('status', o.status);
      const res = await new ApiClient(o, t).request('GET', `/v1/glossary/export?${qs}`, undefined, '*/*');
      const body = await res.text();
      if (!o.out) return void process.stdout.write(body);
      await writeFileAtomic(o.out, body);
      process.stderr.write(`${t('glossary:exported', { file: o.out, version: res.headers.get('x-glossary-version') ?? '?' })}\n`);
    }),
  );

  glossary
    .command('suggest')
    .description('print candidate terms for an article that the glossary does not have yet (offline; nothing is saved)')
    .argument('<file>', 'article (text, Markdown or HTML) or - for stdin')
    .option('--from <lang>', 'language of the article (default: detected)')
    .option('--glossary <file>', 'glossary YAML the candidates are checked against, repeatable (default: glossary/*.yaml)', collect, [])
    .option('--no-glossary', 'check against an empty glossary')
    .option('--only <langs>', 'candidate languages for detection, e.g. fr,vi,en')
    .option('--json', 'print the suggestions as a JSON array')
    .action(
      action(async (file: string, o: { from?: string; glossary: string[] | false; only?: string; json?: boolean }) => {
        const { t } = await getI18n();
        const known = o.glossary === false ? [] : await loadGlossaryFiles(o.glossary);
        const input = await readArticle(file);
        const analysis = analyse(input.bytes, { filename: input.filename, from: o.from ?? 'auto', terms: known, only: o.only ? parseList(o.only) : undefined });
        const text = analysis.segments
          .filter((s) => s.translatable)
          .map((s) => s.plain)
          .join('\n');
        const suggestions = suggestTerms(text, analysis.sourceLang, known);
        if (o.json) return void process.stdout.write(`${JSON.stringify(suggestions)}\n`);
        for (const s of suggestions) process.stdout.write(`${s.term}\t${s.frequency}\t${s.reason}\t${s.example}\n`);
        process.stderr.write(`${t('glossary:suggested', { count: suggestions.length, lang: analysis.sourceLang })}\n`);
      }),
    );
}
