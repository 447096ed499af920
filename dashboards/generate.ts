// `npm run dashboards`: writes dashboards/generated/*.json from the builders (the tests check they are current).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS, renderDashboard } from './index.ts';

for (const [file, build] of Object.entries(DASHBOARDS)) writeFileSync(join(import.meta.dirname, 'generated', file), renderDashboard(build));
console.log(`${Object.keys(DASHBOARDS).join(', ')} written to dashboards/generated/`);
