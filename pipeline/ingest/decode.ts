/**
 * Turning raw input into clean text: size limit, encoding, binary sniffing and
 * Unicode/whitespace normalisation. Every refusal is an InputError with one line
 * that names the problem (and the file, when there is one).
 */
import { InputError } from '../errors.js';
import type { DocFormat } from '../model.js';

export const MAX_INPUT_BYTES_DEFAULT = 10 * 1024 * 1024;

function where(filename?: string): string {
  return filename ? `${filename}: ` : '';
}

function mib(bytes: number): string {
  const v = bytes / (1024 * 1024);
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} MiB`;
}

export function byteLengthOf(input: string | Uint8Array): number {
  return typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
}

/** Refuses input over the limit; called before any decoding so a huge upload costs nothing. */
export function checkSize(input: string | Uint8Array, maxBytes: number, filename?: string): void {
  const size = byteLengthOf(input);
  if (size > maxBytes) {
    throw new InputError('input-too-large', `${where(filename)}input is ${mib(size)}, larger than the ${mib(maxBytes)} limit`, {
      status: 413,
      details: { file: filename, size, limit: maxBytes, sizeText: mib(size), limitText: mib(maxBytes) },
    });
  }
}

/**
 * Offset of the first byte that breaks UTF-8, or -1. TextDecoder only says
 * "invalid"; users need to know where to look.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return i;
    }
    if (i + need >= n) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** UTF-16 without a byte-order mark shows as text with a zero in every other byte. */
function looksLikeBomlessUtf16(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return false;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const half = n / 2;
  return (evenZero > half * 0.3 && oddZero < half * 0.05) || (oddZero > half * 0.3 && evenZero < half * 0.05);
}

function binaryError(filename?: string): InputError {
  return new InputError('binary-input', `${where(filename)}input looks like a binary file, not text (expected plain text, Markdown or HTML)`, {
    status: 415,
    details: { file: filename },
  });
}

/** Decodes bytes strictly: UTF-8 (BOM stripped), or UTF-16 when a BOM says so. */
export function decodeBytes(bytes: Uint8Array, filename?: string): string {
  if (bytes.length >= 4 && ((bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) || (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff))) {
    throw new InputError('invalid-encoding', `${where(filename)}input is UTF-32, which is not supported; save it as UTF-8`, { status: 415, details: { file: filename, context: 'utf32' } });
  }
  for (const [bom, enc] of [[[0xff, 0xfe], 'utf-16le'], [[0xfe, 0xff], 'utf-16be']] as const) {
    if (bytes[0] === bom[0] && bytes[1] === bom[1]) {
      try {
        // TextDecoder drops the BOM itself (ignoreBOM defaults to false).
        return new TextDecoder(enc, { fatal: true }).decode(bytes);
      } catch (cause) {
        throw new InputError('invalid-encoding', `${where(filename)}input starts with a UTF-16 byte-order mark but is not valid UTF-16`, {
          status: 415,
          cause,
          details: { file: filename, context: 'utf16' },
        });
      }
    }
  }
  if (looksLikeBomlessUtf16(bytes)) {
    throw new InputError('invalid-encoding', `${where(filename)}input looks like UTF-16 without a byte-order mark; save it as UTF-8`, {
      status: 415,
      details: { file: filename, context: 'utf16-no-bom' },
    });
  }
  if (bytes.indexOf(0) !== -1) throw binaryError(filename);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    const offset = firstInvalidUtf8(bytes);
    const byte = offset >= 0 ? bytes[offset]! : undefined;
    // Most invalid UTF-8 in practice is Latin-1 / Windows-1252 from old CMS exports.
    const hint = byte !== undefined && byte >= 0x80 ? ' (Latin-1 or Windows-1252? save it as UTF-8)' : '';
    throw new InputError(
      'invalid-encoding',
      `${where(filename)}input is not valid UTF-8: bad byte 0x${(byte ?? 0).toString(16).padStart(2, '0')} at offset ${offset}${hint}`,
      { status: 415, cause, details: { file: filename, offset, byte: (byte ?? 0).toString(16).padStart(2, '0'), context: hint ? 'latin1' : undefined } },
    );
  }
}

/**
 * Text that arrives as a string (a JSON body) skipped UTF-8 decoding, and a
 * `\ud800` escape leaves a lone surrogate: not a character, and written out
 * as U+FFFD by every encoder down the line. It is refused like a bad byte.
 */
export function checkWellFormed(text: string, filename?: string): void {
  const m = /[\uD800-\uDFFF]/u.exec(text);
  if (!m) return;
  const code = m[0].charCodeAt(0).toString(16);
  throw new InputError('invalid-encoding', `${where(filename)}input contains a lone UTF-16 surrogate \\u${code} at character ${m.index}; send well-formed Unicode text`, {
    status: 415,
    details: { file: filename, offset: m.index, code, context: 'surrogate' },
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F]/g;

/** A text whose sampled characters are more than 2% control characters is not an article. */
export function checkNotBinary(text: string, filename?: string): void {
  if (text.includes('\u0000')) throw binaryError(filename);
  const sample = text.slice(0, 65536);
  const controls = sample.match(CONTROL)?.length ?? 0;
  if (controls > 0 && controls / Math.max(sample.length, 1) > 0.02) throw binaryError(filename);
}

/** Spaces that only confuse engines and matching: en/em spaces, zero-width, BOM inside text. Not the (narrow) no-break spaces French typography relies on. */
const ODD_SPACES = /[\u2000-\u200A\u205F\u3000\u1680]/g;
const ZERO_WIDTH = /[\u200B\uFEFF\u2060]/g;

/** Unicode NFC, LF line endings, odd spaces; tabs and trailing spaces only where the format does not give them meaning. */
export function normalizeText(text: string, format: DocFormat): string {
  let s = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').normalize('NFC');
  s = s.replace(CONTROL, '').replace(ZERO_WIDTH, '').replace(/[\u000B\u000C\u0085\u2028\u2029]/g, '\n');
  if (format === 'text') {
    s = s.replace(ODD_SPACES, ' ').replace(/\t/g, ' ').replace(/[ \u00A0]+$/gm, '');
  } else {
    // Markdown uses trailing spaces for hard breaks and tabs for indentation; HTML keeps them in <pre>.
    s = s.replace(ODD_SPACES, ' ');
  }
  return s;
}

export function checkNotEmpty(text: string, filename?: string): void {
  if (text.trim() === '') {
    throw new InputError('empty-input', `${where(filename)}input is empty (nothing to translate)`, { details: { file: filename } });
  }
}
