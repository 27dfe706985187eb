/**
 * The readers walk documents recursively, as do later stages over inline
 * markup. A page nested thousands of levels deep (generated, fuzzed, a broken
 * template) would overflow the stack there; it is measured here, without
 * recursion, and refused as input.
 */
import { InputError } from '../errors.js';

/** Deeper than any real article (tables in lists in quotes stay well under 30). */
export const MAX_NESTING = 100;

export function tooDeep(what: 'HTML' | 'Markdown'): InputError {
  return new InputError('input-too-deep', `the ${what} is nested more than ${MAX_NESTING} levels deep; flatten it or send it as plain text`, {
    status: 422,
    params: { format: what, limit: MAX_NESTING },
  });
}

export function checkNesting<N>(root: N, childrenOf: (node: N) => readonly N[] | undefined, what: 'HTML' | 'Markdown'): void {
  const stack: [N, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_NESTING) throw tooDeep(what);
    for (const child of childrenOf(node) ?? []) stack.push([child, depth + 1]);
  }
}
