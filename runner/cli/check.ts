// `vigie check`: every matching check once, then exit 0 (all passed), 1 (something failed) or 2.
import { sharedContext } from '../engine/shared-context.ts';
import { resultsTable } from '../ui/tables.ts';
import { type Command, HELP, OPTIONS, outputOptions, str, strs } from './command.ts';
import { loadInputs, planFor } from './inputs.ts';
import { runOnce } from './run-once.ts';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Runs every matching check once and prints the results; exit 0 when all passed, 1 when something failed, 2 for bad usage or input.',
  synopsis: 'check [--config FILE] [--catalog FILE]... [--platform NAME]... [--kind KIND]... [--format table|json] [--lang fr|en]',
  options: OPTIONS,
  help: HELP,
  run(values, _positionals, { out }) {
    const output = outputOptions(values);
    const inputs = loadInputs(str(values.config), strs(values.catalog));
    const shared = sharedContext(inputs.config, inputs.configFile);
    const plan = planFor(inputs, shared, strs(values.platform), strs(values.kind));
    return runOnce(inputs, shared, plan, output, out, resultsTable);
  },
};
