// `vigie run`: the daemon (runner/cli/daemon.ts).
import { type Command, HELP, OPTIONS, str } from './command.ts';
import { ProbeDaemon } from './daemon.ts';
import { loadInputs } from './inputs.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'Runs the probe: every check on its schedule, RCP pre-session runs, /metrics, /healthz, /readyz and the status page; stops cleanly on SIGTERM.',
  synopsis: 'run [--config FILE]',
  options: { config: OPTIONS.config },
  help: HELP,
  run: async (values) => new ProbeDaemon(loadInputs(str(values.config), [])).run(),
};
