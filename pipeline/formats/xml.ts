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
    out += ` ${name}="${escapeXml(String(value)).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')}"`;
  }
  return out;
}

export function element(name: string, attributes: Record<string, string | number | boolean | undefined>, content?: string): string {
  return content === undefined || content === '' ? `<${name}${attrs(attributes)}/>` : `<${name}${attrs(attributes)}>${content}</${name}>`;
}
