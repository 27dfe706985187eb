/**
 * `locflow` command line. Each command lives in `cli/commands/<name>.ts` and
 * registers itself on the program. Only the module of the command being run
 * is loaded: `detect --each-line` must not pay for Fastify and BullMQ at start-up.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, report } from './run-command.js';
import { locflowVersion } from '../pipeline/package-info.js';

const pkg = { version: locflowVersion() };

type Register = (program: Command) => void;
const COMMANDS: Record<string, () => Promise<Register>> = {
  translate: async () => (await import('./commands/translate.js')).registerTranslate,
  detect: async () => (await import('./commands/detect.js')).registerDetect,
  queue: async () => (await import('./commands/queue.js')).registerQueueCommands,
  glossary: async () => (await import('./commands/glossary.js')).registerGlossary,
  providers: async () => (await import('./commands/providers.js')).registerProviders,
  'provider-test': async () => (await import('./commands/provider-test.js')).registerProviderTest,
  'import-xliff': async () => (await import('./commands/import-xliff.js')).registerImportXliff,
};
const QUEUE_COMMANDS = ['serve', 'worker', 'submit', 'status', 'download', 'doctor'];

export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('locflow')
    .description('Localization pipeline for news articles')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = first && QUEUE_COMMANDS.includes(first) ? 'queue' : first;
  const modules = wanted && wanted in COMMANDS ? [wanted] : Object.keys(COMMANDS);
  for (const name of modules) (await COMMANDS[name]!())(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

// `locflow … | head` closes our stdout early; that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  await (await buildProgram()).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; every usage mistake is exit 2.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else {
    process.exitCode = await report(err);
  }
}
