import type { Command } from 'commander';

/** Placeholder until this command is implemented. */
export function registerImportXliff(_program: Command): void {}
