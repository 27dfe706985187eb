/**
 * Post-editing helpers for tests: export the fixture's XLIFF, edit it as a CAT
 * tool would, and expect a refusal that leaves the input alone. Kept apart
 * from fixture.ts, which also runs outside vitest (bundle.test.ts's time-zone check).
 */
import { expect } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import type { BundleInput } from '../../pipeline/model.js';
import { applyXliff } from '../../pipeline/postedit.js';
import { plainRenderer } from './fixture.js';

/** The fixture's XLIFF for one target, as the bundle exports it. */
export const exportedXliff = (input: BundleInput, lang = 'en') => writeBundle(input, { renderer: plainRenderer }).get(`xliff/fr-${lang}.xlf`) as string;

/** Replaces the content of one unit's <target>, keeping its attributes, like a CAT tool saving an edit. */
export function editTarget(xliff: string, id: string, content: string, state?: string): string {
  const unit = new RegExp(`(<trans-unit id="${id.replace('.', '\\.')}"[\\s\\S]*?<target)([^>]*)>([\\s\\S]*?)(</target>)`);
  expect(unit.test(xliff), `unit ${id} in export`).toBe(true);
  return xliff.replace(unit, (_m, head: string, attrs: string, _old: string, tail: string) => `${head}${state ? attrs.replace(/state="[^"]*"/, `state="${state}"`) : attrs}>${content}${tail}`);
}

/** The InputError applyXliff must throw for `xliff`; the test fails if it throws anything else or touches `input`. */
export function xliffRefusal(input: BundleInput, xliff: string | Uint8Array): InputError {
  const before = structuredClone(input);
  let caught: unknown;
  try {
    applyXliff(input, xliff);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  expect(input).toEqual(before);
  return caught as InputError;
}
