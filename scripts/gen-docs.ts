// Regenerates the docs that derive from code: the config JSON Schema, the failure reasons and the
// metrics list. Tests fail when the committed files are not current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../runner/config/config.ts';
import { renderMetricsDoc, renderReasonsDoc } from '../runner/cli/docs.ts';

const docs = join(import.meta.dirname, '..', 'docs');
writeFileSync(join(docs, 'vigie.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
writeFileSync(join(docs, 'failure-reasons.md'), renderReasonsDoc());
writeFileSync(join(docs, 'metrics.md'), renderMetricsDoc());
console.log('docs/vigie.schema.json, docs/failure-reasons.md, docs/metrics.md written');
