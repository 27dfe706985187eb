import type { Command } from 'commander';

/** Placeholder until this command is implemented. */
export function registerGlossary(_program: Command): void {}
