import type { Command } from 'commander';

/** Placeholder until this command is implemented. */
export function registerProviders(_program: Command): void {}
