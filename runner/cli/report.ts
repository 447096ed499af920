// `vigie report`: every check of the selected platforms (and the configured scenarios) once, written
// as the establishment's compliance report.
import { writeFileSync } from 'node:fs';
import { VERSION } from '../core/version.ts';
import { type Command, HELP, OPTIONS, outputOptions, str, strs, UsageError } from './command.ts';

const { config, catalog, platform, lang } = OPTIONS;

export const reportCommand: Command = {
  name: 'report',
  summary: "Runs every check of the selected platforms once and writes the establishment's compliance report (HTML, and PDF on request).",
  synopsis: 'report [--config FILE] [--catalog FILE]... [--platform NAME]... --out FILE.html [--pdf FILE.pdf] [--lang fr|en]',
  options: { config, catalog, platform, out: { type: 'string' }, pdf: { type: 'string' }, lang },
  help: { ...HELP, out: 'HTML file to write (required)', pdf: 'also print the report to this PDF file with Chromium' },
  async run(values, _positionals, { out }) {
    const output = outputOptions(values);
    const file = str(values.out);
    if (!file) throw new UsageError('vigie report needs --out FILE.html');
    const [{ loadInputs, planFor }, { scenarioChecks }, { sharedContext }, { runChecks }, { renderReport, writePdf }] = await Promise.all([
      import('./inputs.ts'),
      import('../engine/plan.ts'),
      import('../engine/shared-context.ts'),
      import('./run-once.ts'),
      import('../ui/report.ts'),
    ]);
    const inputs = loadInputs(str(values.config), strs(values.catalog));
    const shared = sharedContext(inputs.config, inputs.configFile);
    const platforms = strs(values.platform);
    const plan = planFor(inputs, shared, platforms, []);
    plan.checks.push(...scenarioChecks(inputs.config, { platforms: platforms.filter((p) => p !== 'site') }).filter((c) => !plan.checks.some((x) => x.id === c.id)));
    const startedAt = new Date();
    const { store, code } = await runChecks(inputs, shared, plan);
    const html = renderReport({ plan, latest: store.all(), site: inputs.config.site, startedAt, finishedAt: new Date(), version: VERSION, lang: output.lang ?? inputs.config.lang });
    writeFileSync(file, html);
    const pdf = str(values.pdf);
    if (pdf) await writePdf(html, pdf, inputs.config.browser.executable_path);
    out.write(`${file}${pdf ? `, ${pdf}` : ''}\n`);
    return code;
  },
};
