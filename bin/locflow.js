#!/usr/bin/env node
// In a checkout, run the TypeScript sources through tsx so that a fresh
// `npm ci` needs no build step before `npx locflow` works. The installed npm
// package ships no sources, only the JavaScript compiled into dist/ on pack.
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
