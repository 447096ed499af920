// `vigie check`: every matching check once, then exit 0 (all passed), 1 (something failed) or 2.
import { type Command, HELP, OPTIONS, outputOptions, str, strs } from './command.ts';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Runs every matching check once and prints the results; exit 0 when all passed, 1 when something failed, 2 for bad usage or input.',
  synopsis: 'check [--config FILE] [--catalog FILE]... [--platform NAME]... [--kind KIND]... [--format table|json] [--lang fr|en]',
  options: OPTIONS,
  help: HELP,
  async run(values, _positionals, { out }) {
    const output = outputOptions(values);
    const [{ loadInputs, planFor }, { sharedContext }, { runOnce }, { resultsTable }] = await Promise.all([import('./inputs.ts'), import('../engine/shared-context.ts'), import('./run-once.ts'), import('../ui/tables.ts')]);
    const inputs = loadInputs(str(values.config), strs(values.catalog));
    const shared = sharedContext(inputs.config, inputs.configFile);
    const plan = planFor(inputs, shared, strs(values.platform), strs(values.kind));
    return runOnce(inputs, shared, plan, output, out, resultsTable);
  },
};
