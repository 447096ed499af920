// `vigie run`: the daemon (runner/cli/daemon.ts: metrics pipeline, scheduler, status page), loaded
// only for this command.
import { type Command, HELP, OPTIONS, str } from './command.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'Runs the probe: every check on its schedule, RCP pre-session runs, /metrics, /healthz, /readyz and the status page; stops cleanly on SIGTERM.',
  synopsis: 'run [--config FILE]',
  options: { config: OPTIONS.config },
  help: HELP,
  run: async (values) => {
    const { loadInputs } = await import('./inputs.ts');
    const inputs = loadInputs(str(values.config), []);
    const { ProbeDaemon } = await import('./daemon.ts');
    return new ProbeDaemon(inputs).run();
  },
};
