/**
 * Aho-Corasick automaton over UTF-16 code units, stored in typed arrays.
 *
 * Written here rather than taken from npm because the matcher needs every
 * pattern ending at every position (to apply boundary and case rules and pick
 * the longest itself), and because compile time over 10 000+ terms matters:
 * flat arrays build and scan several times faster than a Map per node.
 */

/** Hits as parallel arrays (no object per hit: a megabyte of text can have tens of thousands). */
import { PUNCT_FOLD } from './fold.js';

export interface AutomatonHits {
  count: number;
  /** Index of the pattern in the array given to buildAutomaton. */
  pattern: Int32Array;
  /** Offsets in the scanned text, end exclusive. */
  start: Int32Array;
  end: Int32Array;
}

export interface Automaton {
  readonly patternCount: number;
  readonly nodeCount: number;
  /**
   * All occurrences of all patterns, overlapping ones included, in order of
   * end offset. Typographic spaces, apostrophes and hyphens in the text are
   * read as their ASCII forms (patterns must be folded with foldForm).
   */
  scan(text: string): AutomatonHits;
}

class Grow {
  a: Int32Array;
  n = 0;
  constructor(cap: number) {
    this.a = new Int32Array(Math.max(16, cap));
  }
  push(v: number): number {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = v;
    return this.n++;
  }
}

/** Patterns must be non-empty; duplicates are allowed (each reports its own hits). */
export function buildAutomaton(patterns: readonly string[]): Automaton {
  let units = 0;
  for (const p of patterns) units += p.length;

  // Trie with first-child / next-sibling lists while inserting.
  const ch = new Grow(units + 1);
  const firstChild = new Grow(units + 1);
  const nextSibling = new Grow(units + 1);
  const newNode = (c: number) => {
    ch.push(c);
    firstChild.push(-1);
    return nextSibling.push(-1);
  };
  newNode(0);
  // The root sees every first character; a direct table saves a sibling walk per text position.
  const rootTable = new Int32Array(65536).fill(-1);
  const patternNode = new Int32Array(patterns.length);

  for (let p = 0; p < patterns.length; p++) {
    const s = patterns[p]!;
    let node = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      let child: number;
      if (node === 0) {
        child = rootTable[c]!;
        if (child === -1) {
          child = newNode(c);
          rootTable[c] = child;
          nextSibling.a[child] = firstChild.a[0]!;
          firstChild.a[0] = child;
        }
      } else {
        child = firstChild.a[node]!;
        while (child !== -1 && ch.a[child] !== c) child = nextSibling.a[child]!;
        if (child === -1) {
          child = newNode(c);
          nextSibling.a[child] = firstChild.a[node]!;
          firstChild.a[node] = child;
        }
      }
      node = child;
    }
    patternNode[p] = node;
  }

  const nodes = ch.n;
  // Patterns ending at each node, as linked lists.
  const out = new Int32Array(nodes).fill(-1);
  const patNext = new Int32Array(patterns.length).fill(-1);
  const patLen = new Int32Array(patterns.length);
  for (let p = patterns.length - 1; p >= 0; p--) {
    const node = patternNode[p]!;
    patNext[p] = out[node]!;
    out[node] = p;
    patLen[p] = patterns[p]!.length;
  }

  // Edges in compressed rows sorted by character, for binary search on busy nodes.
  const edgeStart = new Int32Array(nodes + 1);
  const childCount = new Int32Array(nodes);
  for (let u = 0; u < nodes; u++) for (let c = firstChild.a[u]!; c !== -1; c = nextSibling.a[c]!) childCount[u]!++;
  for (let u = 0; u < nodes; u++) edgeStart[u + 1] = edgeStart[u]! + childCount[u]!;
  const edgeChar = new Uint16Array(edgeStart[nodes]!);
  const edgeNode = new Int32Array(edgeStart[nodes]!);
  const row: number[] = [];
  for (let u = 0; u < nodes; u++) {
    row.length = 0;
    for (let c = firstChild.a[u]!; c !== -1; c = nextSibling.a[c]!) row.push(c);
    if (row.length > 1) row.sort((a, b) => ch.a[a]! - ch.a[b]!);
    let k = edgeStart[u]!;
    for (const c of row) {
      edgeChar[k] = ch.a[c]!;
      edgeNode[k++] = c;
    }
  }

  const automaton = new TableAutomaton(patterns.length, nodes, rootTable, edgeStart, edgeChar, edgeNode, out, patNext, patLen);
  const { fail, outLink } = automaton;

  // Failure links and output links, breadth first.
  const queue = new Int32Array(nodes);
  let qh = 0;
  let qt = 0;
  for (let k = edgeStart[0]!; k < edgeStart[1]!; k++) queue[qt++] = edgeNode[k]!;
  while (qh < qt) {
    const u = queue[qh++]!;
    for (let k = edgeStart[u]!; k < edgeStart[u + 1]!; k++) {
      const v = edgeNode[k]!;
      const c = edgeChar[k]!;
      let f = fail[u]!;
      let target = automaton.step(f, c);
      while (target === -1 && f !== 0) {
        f = fail[f]!;
        target = automaton.step(f, c);
      }
      const fv = target === -1 || target === v ? 0 : target;
      fail[v] = fv;
      outLink[v] = out[fv] !== -1 ? fv : outLink[fv]!;
      queue[qt++] = v;
    }
  }
  return automaton;
}

/**
 * A class rather than closures over the arrays: V8 keeps type feedback per
 * function object, so methods shared on a prototype stay optimised when a
 * new glossary version is compiled, where fresh closures would start cold.
 */
class TableAutomaton implements Automaton {
  readonly fail: Int32Array;
  /** Nearest node on the failure chain where a pattern ends (0: none). */
  readonly outLink: Int32Array;

  constructor(
    readonly patternCount: number,
    readonly nodeCount: number,
    private readonly rootTable: Int32Array,
    private readonly edgeStart: Int32Array,
    private readonly edgeChar: Uint16Array,
    private readonly edgeNode: Int32Array,
    private readonly out: Int32Array,
    private readonly patNext: Int32Array,
    private readonly patLen: Int32Array,
  ) {
    this.fail = new Int32Array(nodeCount);
    this.outLink = new Int32Array(nodeCount);
  }

  /** The child of node u on code unit c, or -1. */
  step(u: number, c: number): number {
    if (u === 0) return this.rootTable[c]!;
    const edgeChar = this.edgeChar;
    let lo = this.edgeStart[u]!;
    let hi = this.edgeStart[u + 1]! - 1;
    if (hi - lo < 8) {
      for (; lo <= hi; lo++) if (edgeChar[lo] === c) return this.edgeNode[lo]!;
      return -1;
    }
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = edgeChar[mid]!;
      if (m === c) return this.edgeNode[mid]!;
      if (m < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  scan(text: string): AutomatonHits {
    const { fail, out, outLink, patNext, patLen } = this;
    let cap = 256;
    let count = 0;
    let hp = new Int32Array(cap);
    let hs = new Int32Array(cap);
    let he = new Int32Array(cap);
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = PUNCT_FOLD[text.charCodeAt(i)]!;
      let next = this.step(s, c);
      while (next === -1 && s !== 0) {
        s = fail[s]!;
        next = this.step(s, c);
      }
      s = next === -1 ? 0 : next;
      for (let o = out[s] !== -1 ? s : outLink[s]!; o > 0; o = outLink[o]!) {
        for (let p = out[o]!; p !== -1; p = patNext[p]!) {
          if (count === cap) {
            cap *= 2;
            const np = new Int32Array(cap);
            const ns = new Int32Array(cap);
            const ne = new Int32Array(cap);
            np.set(hp);
            ns.set(hs);
            ne.set(he);
            hp = np;
            hs = ns;
            he = ne;
          }
          hp[count] = p;
          hs[count] = i + 1 - patLen[p]!;
          he[count++] = i + 1;
        }
      }
    }
    return { count, pattern: hp, start: hs, end: he };
  }
}
