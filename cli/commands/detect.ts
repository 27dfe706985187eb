/**
 * `locflow detect FILE|- [--only fr,vi,en] [--json]`: document language and
 * per-segment languages.
 * `locflow detect --each-line [--json] [--only …] [FILE|-]`: one answer per
 * input line, in order, streamed, for batch use.
 *
 * The detector and the ingest/segment stages are imported inside the action:
 * `--each-line` is used in shell pipelines where start-up time counts.
 */
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InputError } from '../../pipeline/errors.js';
import type { Lang } from '../../pipeline/model.js';
import { action, joinList, parseList } from '../run-command.js';

interface DetectCliOptions {
  only?: string;
  json?: boolean;
  eachLine?: boolean;
  minConfidence?: string;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('detect the language of an article (and of each segment), or of each input line with --each-line')
    .argument('[file]', 'article file (text, Markdown or HTML), or - for stdin', '-')
    .option('--only <langs>', 'candidate languages, comma-separated BCP-47 codes (e.g. fr,vi,en); repeatable', joinList)
    .option('--each-line', 'one result per input line, in order, streamed')
    .option('--json', 'machine-readable output on stdout')
    .option('--min-confidence <n>', 'answer "und" below this calibrated confidence (0..1)')
    .action(action(async (file: string, opts: DetectCliOptions) => detectCommand(file, opts)));
}

async function detectCommand(file: string, opts: DetectCliOptions): Promise<void> {
  const { defaultDetector, parseCandidates } = await import('../../pipeline/detect.js');
  const detector = defaultDetector();
  const only = candidates(opts.only, parseCandidates, (lang) => detector.knows(lang));
  const minConfidence = confidenceOption(opts.minConfidence);
  const detectOptions = { ...(only ? { only } : {}), ...(minConfidence !== undefined ? { minConfidence } : {}) };
  if (opts.eachLine) {
    await eachLine(file, (line) => detector.detect(line, detectOptions), Boolean(opts.json));
    return;
  }
  await wholeDocument(file, detectOptions, Boolean(opts.json));
}

/** Parses `--only`; an unknown or undetectable code is the user's mistake, not a reason to widen the search. */
function candidates(value: string | undefined, parse: (tags: readonly string[]) => Lang[], knows: (lang: Lang) => boolean): Lang[] | undefined {
  if (value === undefined) return undefined;
  const list = parseList(value);
  if (list.length === 0) throw new InputError('invalid-option', '--only needs at least one language code, e.g. --only fr,vi,en', { params: { context: 'only-empty' } });
  return list.map((tag) => {
    const lang = parse([tag])[0]!;
    if (!knows(lang)) {
      throw new InputError('undetectable-language', `--only: locflow cannot recognise "${tag}" (no language profile for it)`, { details: { tag } });
    }
    return lang;
  });
}

function confidenceOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError('invalid-option', `--min-confidence: "${value}" is not a number between 0 and 1`, { params: { value, context: 'confidence' } });
  return n;
}

// ---- --each-line ---------------------------------------------------------

/** One line is a sentence or a paragraph; past this it is not a line of text, and buffering it would cost unbounded memory. */
export const MAX_LINE_CHARS = 1024 * 1024;

interface LineResult {
  lang: string;
  confidence: number;
}

/**
 * Streams lines from FILE or stdin and writes one result per line, in order.
 * Bytes are decoded strictly: a line of invalid UTF-8 or with a NUL byte stops
 * the run with exit 2 and the line number, after the lines before it.
 */
export async function eachLine(file: string, detect: (line: string) => LineResult, json: boolean): Promise<void> {
  const input = file === '-' ? process.stdin : await openFile(file);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const where = file === '-' ? 'stdin' : file;
  let pending = '';
  let lineNo = 0;
  let out = '';
  const emit = async (line: string) => {
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length > MAX_LINE_CHARS) throw lineTooLong(where, lineNo);
    if (line.includes('\u0000')) {
      throw new InputError('binary-input', `${where}: line ${lineNo} contains a NUL byte; this looks like binary data, not text`, { status: 415, params: { file: where, line: lineNo, context: 'line' } });
    }
    const r = detect(line);
    out += json ? `{"lang":"${r.lang}","confidence":${r.confidence}}\n` : `${r.lang}\t${r.confidence}\n`;
    if (out.length >= 1 << 16) await flush();
  };
  const flush = async () => {
    if (!out) return;
    const chunk = out;
    out = '';
    if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  };
  try {
    const drain = async () => {
      let start = 0;
      let nl: number;
      while ((nl = pending.indexOf('\n', start)) >= 0) {
        await emit(pending.slice(start, nl));
        start = nl + 1;
      }
      pending = pending.slice(start);
      // A line still without its end is refused as soon as it is too long, not once it has filled memory.
      if (pending.length > MAX_LINE_CHARS) throw lineTooLong(where, lineNo + 1);
    };
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
      try {
        pending += decoder.decode(bytes, { stream: true });
      } catch {
        // Answer the good lines before the bad byte, then name the line it is on.
        const { firstInvalidUtf8 } = await import('../../pipeline/ingest.js');
        const bad = Math.max(0, firstInvalidUtf8(bytes));
        try {
          pending += new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bad));
        } catch {
          // The valid prefix may begin inside a sequence split across chunks; the line number is still right.
        }
        await drain();
        throw invalidUtf8(where, lineNo + 1);
      }
      await drain();
    }
    try {
      pending += decoder.decode();
    } catch {
      throw invalidUtf8(where, lineNo + 1);
    }
    if (pending.length > 0) await emit(pending);
  } finally {
    await flush();
  }
}

function lineTooLong(where: string, line: number): InputError {
  return new InputError('line-too-long', `${where}: line ${line} is longer than ${MAX_LINE_CHARS} characters; --each-line takes one sentence or paragraph per line`, {
    params: { file: where, line, limit: MAX_LINE_CHARS },
  });
}

function invalidUtf8(where: string, line: number): InputError {
  return new InputError('invalid-utf8', `${where}: line ${line} is not valid UTF-8 text`, { status: 415, params: { file: where, line, context: 'line' } });
}

async function openFile(path: string): Promise<NodeJS.ReadableStream> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InputError('not-a-file', `${path} is a directory, not a text file`, { params: { file: path, context: 'text' } });
  } catch (err) {
    if (err instanceof InputError) throw err;
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError('file-not-found', `cannot read ${path}: ${missing ? 'no such file' : (err as Error).message}`, {
      params: { file: path, detail: (err as Error).message, context: missing ? 'missing' : undefined },
    });
  }
  return createReadStream(path);
}

// ---- whole document --------------------------------------------------------

async function wholeDocument(file: string, options: { only?: Lang[]; minConfidence?: number }, json: boolean): Promise<void> {
  const [{ readArticle }, { ingest }, { segmentDocument }, { plainText }, detect, { getI18n }] = await Promise.all([
    import('../input.js'),
    import('../../pipeline/ingest.js'),
    import('../../pipeline/segment.js'),
    import('../../pipeline/inline.js'),
    import('../../pipeline/detect.js'),
    import('../../locales/i18n.js'),
  ]);
  const article = await readArticle(file);
  const doc = ingest(article.bytes, article.filename ? { filename: article.filename } : {});
  const text = doc.blocks
    .filter((b) => b.translatable)
    .map((b) => plainText(b.inline))
    .join('\n');
  const guess = detect.detectDetailed(text, options);
  // Sentence splitting is language-aware; with no answer, English rules are the safest default.
  const segments = segmentDocument(doc, guess.lang === 'und' ? 'en' : guess.lang);
  const perSegment = guess.lang === 'und' ? segments.map(() => ({ lang: 'und', confidence: 0 })) : detect.detectSegments(segments, guess.lang, options);
  if (json) {
    const body = {
      lang: guess.lang,
      confidence: guess.confidence,
      segments: segments.map((s, i) => ({ id: s.id, lang: perSegment[i]!.lang, confidence: perSegment[i]!.confidence, text: s.plain })),
    };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const i18n = await getI18n();
  const t = i18n.t.bind(i18n);
  const name = (lang: string) => (lang === 'und' ? t('detect:undetermined') : `${lang} (${languageName(lang, i18n.language)})`);
  process.stdout.write(`${t('detect:document', { lang: name(guess.lang), confidence: guess.confidence.toFixed(2) })}\n`);
  const other = segments.map((s, i) => ({ s, g: perSegment[i]! })).filter(({ g }) => g.lang !== guess.lang);
  process.stdout.write(`${t(other.length ? 'detect:segmentsOther' : 'detect:segments', { count: segments.length, other: other.length })}\n`);
  for (const { s, g } of other) {
    const excerpt = s.plain.length > 70 ? `${s.plain.slice(0, 69)}…` : s.plain;
    process.stdout.write(`  ${s.id.padEnd(8)} ${g.lang.padEnd(4)} ${g.confidence.toFixed(2)}  ${excerpt}\n`);
  }
}

/** The language's name in the reader's language: `fr` → French, français, tiếng Pháp. */
function languageName(lang: string, uiLanguage: string): string {
  return new Intl.DisplayNames([uiLanguage], { type: 'language', fallback: 'code' }).of(lang) ?? lang;
}
