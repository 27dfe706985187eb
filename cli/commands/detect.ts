import type { Command } from 'commander';

/** Placeholder until this command is implemented. */
export function registerDetect(_program: Command): void {}
