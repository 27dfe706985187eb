/**
 * Small helpers for writing XML by hand. The writers build strings directly
 * (no DOM) so that output is byte-for-byte deterministic; every value that
 * reaches the output goes through `text()` or `attrs()`.
 */
import { escapeXml } from '../inline.js';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Character data: escaped, with characters XML 1.0 forbids dropped. */
export function text(value: string): string {
  return escapeXml(value);
}

/**
 * ` name="value"` pairs in the given order; undefined values are left out.
 * Tabs and newlines in attribute values would be normalised to spaces by any
 * reader, so they are written as character references to survive.
 */
export function attrs(values: Record<string, string | number | boolean | undefined>): string {
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const escaped = escapeXml(String(value));
    out += ` ${name}="${/[\t\n\r]/.test(escaped) ? escaped.replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;') : escaped}"`;
  }
  return out;
}

export function element(name: string, attributes: Record<string, string | number | boolean | undefined>, content?: string): string {
  return content === undefined || content === '' ? `<${name}${attrs(attributes)}/>` : `<${name}${attrs(attributes)}>${content}</${name}>`;
}

/** XML 1.0's Char production: what a character reference may name. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** The five entities XML defines without a DTD. */
const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

export interface BadReference {
  ref: string;
  line: number;
  col: number;
}

/**
 * The first reference in `xml` that a conforming parser would reject: a
 * numeric one naming no XML character (`&#0;`, `&#xD800;`, `&#x110000;`) and,
 * when `strictNames`, a named one other than the five built in (`&nbsp;`
 * without a DTD). fast-xml-parser's validator does not look at references,
 * and decoding them would put NUL or a lone surrogate into stored text, or
 * keep `&nbsp;` as four letters of a term. CDATA and comments are skipped.
 */
export function findBadReference(xml: string, strictNames = false): BadReference | undefined {
  const at = (index: number, ref: string): BadReference => {
    const before = xml.slice(0, index);
    const line = before.split('\n').length;
    return { ref, line, col: index - before.lastIndexOf('\n') };
  };
  for (const m of xml.matchAll(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|&(#?)([^;&<>\s]*);/g)) {
    if (m[0].startsWith('<')) continue;
    const [ref, hash, body] = m as unknown as [string, string, string];
    if (hash) {
      const cp = /^x[0-9a-fA-F]+$/.test(body) ? parseInt(body.slice(1), 16) : /^[0-9]+$/.test(body) ? parseInt(body, 10) : NaN;
      if (!isXmlChar(cp)) return at(m.index, ref);
    } else if (strictNames && !XML_ENTITIES.has(body)) {
      return at(m.index, ref);
    }
  }
  return undefined;
}
