// `vigie`: one module per command; help for each (`vigie help CMD`, `vigie CMD --help`); exit 2
// for bad usage or bad input, with the reason and never a stack trace; 70 for an internal error.
import { parseArgs } from 'node:util';
import { InputError, listProblems } from '../config/input-error.ts';
import { VERSION } from '../core/version.ts';
import { bundleCommand } from './bundle.ts';
import { catalogCommand } from './catalog.ts';
import { checkCommand } from './check.ts';
import { type Command, type Io, usageOf, UsageError } from './command.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { scenarioCommand } from './scenario.ts';

const COMMANDS: readonly Command[] = [runCommand, checkCommand, catalogCommand, scenarioCommand, reportCommand, bundleCommand];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: vigie COMMAND [options]

Synthetic-monitoring probe for regional e-health telemedicine platforms.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

  vigie help COMMAND, vigie COMMAND --help   the command's options
  vigie --version                            the probe's version
`;
}

const HELP_FLAGS = ['--help', '-h'];

function runCommandLine(command: Command, args: readonly string[], io: Io): Promise<number> | number {
  if (args.some((a) => HELP_FLAGS.includes(a))) {
    io.out.write(usageOf(command));
    return 0;
  }
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: command.positionals === true, strict: true, options: command.options });
  return command.run(values, positionals, io);
}

export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  const io = { out, err };
  const byName = (n: string | undefined) => COMMANDS.find((c) => c.name === n);
  let command: Command | undefined;
  try {
    if (name === '--version' || name === 'version') {
      out.write(`vigie ${VERSION}\n`);
      return 0;
    }
    if (!name) {
      err.write(usage());
      return 2;
    }
    if (HELP_FLAGS.includes(name) || name === 'help') {
      if (!rest[0]) {
        out.write(usage());
        return 0;
      }
      command = byName(rest[0]);
      if (!command) throw new UsageError(`unknown command "${rest[0]}"`);
      out.write(usageOf(command));
      return 0;
    }
    command = byName(name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await runCommandLine(command, rest, io);
  } catch (e) {
    if (e instanceof InputError) {
      err.write(`vigie: invalid input\n${listProblems(e.problems).map((line) => `  ${line}`).join('\n')}\n`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`vigie: ${(e as Error).message}\n${command ? usageOf(command) : usage()}`);
      return 2;
    }
    err.write(`vigie: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 70;
  }
}
