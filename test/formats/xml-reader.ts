/**
 * An independent XML reader for the tests: saxes (a strict, conforming,
 * namespace-aware SAX parser) builds a tiny tree. It shares no code with
 * locflow's writers or with fast-xml-parser, so a writer bug cannot hide
 * behind a matching reader bug.
 */
import { SaxesParser } from 'saxes';

export interface El {
  /** Local name. */
  name: string;
  ns: string;
  attrs: Record<string, string>;
  children: (El | string)[];
}

export function readXml(xml: string): El {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const root: El = { name: '#document', ns: '', attrs: {}, children: [] };
  const stack: El[] = [root];
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) attrs[a.prefix ? `${a.prefix}:${a.local}` : a.local] = a.value;
    const el: El = { name: tag.local, ns: tag.uri, attrs, children: [] };
    stack.at(-1)!.children.push(el);
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => void stack.at(-1)!.children.push(t));
  parser.on('cdata', (t) => void stack.at(-1)!.children.push(t));
  parser.on('doctype', () => {
    throw new Error('unexpected DOCTYPE');
  });
  parser.write(xml).close();
  const top = root.children.find((c): c is El => typeof c !== 'string');
  if (!top) throw new Error('no root element');
  return top;
}

export function all(el: El, name: string): El[] {
  const out: El[] = [];
  const walk = (e: El) => {
    for (const c of e.children) {
      if (typeof c === 'string') continue;
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

export function kids(el: El, name: string): El[] {
  return el.children.filter((c): c is El => typeof c !== 'string' && c.name === name);
}

/** Character data only, as a reader that ignores inline codes would see it. */
export function textOf(el: El, skip: string[] = []): string {
  return el.children.map((c) => (typeof c === 'string' ? c : skip.includes(c.name) ? '' : textOf(c, skip))).join('');
}
