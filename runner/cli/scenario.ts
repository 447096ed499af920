// `vigie scenario NAME`: one browser scenario once (every transport of a turn-relay), with its media statistics.
import { type Command, HELP, OPTIONS, outputOptions, str, UsageError } from './command.ts';

const { config, format, lang } = OPTIONS;

export const scenarioCommand: Command = {
  name: 'scenario',
  summary: 'Runs one browser scenario of the config once (Chromium, fake 720p camera) and prints its media statistics.',
  synopsis: 'scenario NAME [--config FILE] [--format table|json] [--lang fr|en]',
  options: { config, format, lang },
  help: HELP,
  positionals: true,
  async run(values, positionals, { out }) {
    const output = outputOptions(values);
    if (positionals.length > 1) throw new UsageError('vigie scenario takes one scenario name');
    const [name] = positionals;
    const [{ loadInputs }, { buildPlan }, { sharedContext }, { runOnce }, { mediaBlocks, resultsTable }] = await Promise.all([
      import('./inputs.ts'),
      import('../engine/plan.ts'),
      import('../engine/shared-context.ts'),
      import('./run-once.ts'),
      import('../ui/tables.ts'),
    ]);
    const inputs = loadInputs(str(values.config), []);
    const names = inputs.config.scenarios.map((s) => s.name);
    if (!name) throw new UsageError(`vigie scenario needs a scenario name (configured: ${names.join(', ') || 'none'})`);
    if (!names.includes(name)) throw new UsageError(`no scenario named "${name}" in the config (configured: ${names.join(', ') || 'none'})`);
    const shared = sharedContext(inputs.config, inputs.configFile);
    const plan = buildPlan([], inputs.config, shared.proxy, { scenarios: [name], kinds: ['__none__'] });
    return runOnce(inputs, shared, plan, output, out, (results, rowsOf, l, tty) => `${resultsTable(results, rowsOf, l, tty)}\n${mediaBlocks(results, l)}`);
  },
};
