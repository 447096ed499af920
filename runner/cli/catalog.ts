// `vigie catalog`: the flows the probe knows, one row per documented flow or URL.
import { type Command, HELP, OPTIONS, outputOptions, str, strs } from './command.ts';

const { config, catalog, format, lang } = OPTIONS;

export const catalogCommand: Command = {
  name: 'catalog',
  summary: "Lists the flows the probe knows: every flow and URL of the platforms' prerequisite documents, with the checks that cover it.",
  synopsis: 'catalog [--config FILE] [--catalog FILE]... [--format table|json] [--lang fr|en]',
  options: { config, catalog, format, lang },
  help: HELP,
  async run(values, _positionals, { out }) {
    const output = outputOptions(values);
    const [{ loadInputs }, { catalogRows }, { catalogTable }] = await Promise.all([import('./inputs.ts'), import('../config/catalog.ts'), import('../ui/tables.ts')]);
    const inputs = loadInputs(str(values.config), strs(values.catalog));
    const rows = catalogRows(inputs.catalogs);
    out.write(output.json ? `${JSON.stringify(rows, null, 2)}\n` : catalogTable(rows, output.lang ?? inputs.config.lang));
    return 0;
  },
};
