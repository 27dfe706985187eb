/**
 * `locflow` command line. Each command lives in `cli/commands/<name>.ts` and
 * registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { EXIT_BAD_INPUT, report } from './run-command.js';
import { registerTranslate } from './commands/translate.js';
import { registerDetect } from './commands/detect.js';
import { registerQueueCommands } from './commands/queue.js';
import { registerGlossary } from './commands/glossary.js';
import { registerProviders } from './commands/providers.js';
import { registerImportXliff } from './commands/import-xliff.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('locflow')
    .description('Localization pipeline for news articles')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerTranslate(program);
  registerDetect(program);
  registerQueueCommands(program);
  registerGlossary(program);
  registerProviders(program);
  registerImportXliff(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; every usage mistake is exit 2.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else {
    process.exitCode = await report(err);
  }
}
