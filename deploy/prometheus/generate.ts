// Writes deploy/prometheus/vigie-rules.yaml from deploy/prometheus/rules.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRules } from './rules.ts';

writeFileSync(join(import.meta.dirname, 'vigie-rules.yaml'), renderRules());
console.log('deploy/prometheus/vigie-rules.yaml written');
