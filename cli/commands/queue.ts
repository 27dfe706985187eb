import type { Command } from 'commander';

/** Placeholder until this command is implemented. */
export function registerQueueCommands(_program: Command): void {}
