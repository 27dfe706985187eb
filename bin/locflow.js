#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so that a fresh `npm ci`
// needs no build step before `npx locflow` works.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
