// Regenerates the docs that derive from code: the config JSON Schema, the failure reasons, the
// metrics list and the parity matrix. Tests fail when the committed files are not current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../runner/config/config.ts';
import { renderMetricsDoc, renderReasonsDoc } from '../runner/cli/docs.ts';
import { PARITY_CELLS } from '../lab/parity/cells.ts';
import { renderParityDoc } from '../lab/parity/report.ts';

const docs = join(import.meta.dirname, '..', 'docs');
writeFileSync(join(docs, 'vigie.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
writeFileSync(join(docs, 'failure-reasons.md'), renderReasonsDoc());
writeFileSync(join(docs, 'metrics.md'), renderMetricsDoc());
writeFileSync(join(docs, 'parity.md'), renderParityDoc(PARITY_CELLS));
console.log('docs/vigie.schema.json, docs/failure-reasons.md, docs/metrics.md, docs/parity.md written');
