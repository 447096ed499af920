// The dashboards, by file name under dashboards/generated/.
import { endpointDashboard } from './endpoint.ts';
import { establishmentDashboard } from './establishment.ts';
import { fleetDashboard } from './fleet.ts';
import { mediaDashboard } from './media.ts';

export const DASHBOARDS = {
  'vigie-fleet.json': fleetDashboard,
  'vigie-establishment.json': establishmentDashboard,
  'vigie-endpoint.json': endpointDashboard,
  'vigie-media.json': mediaDashboard,
} as const;

export function renderDashboard(build: () => unknown): string {
  return `${JSON.stringify(build(), null, 2)}\n`;
}
