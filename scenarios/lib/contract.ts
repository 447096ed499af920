// What browser scenario kinds share on top of the one check contract (runner/core/definition.ts):
// a context with the browser opened on demand, and the settings every scenario definition carries.
import type { CheckTarget } from '../../runner/core/contract.ts';
import { BROWSER } from './browser-resource.ts';
import type { ScenarioContext } from './scenario-context.ts';
import { WEBRTC_METRICS } from './webrtc-metrics.ts';

export type { ScenarioContext };

/** What every scenario definition has in common: the browser slot, the WebRTC metrics, the SLO class. */
export const SCENARIO_COMMON = { flowClass: 'browser', metrics: WEBRTC_METRICS, resource: BROWSER } as const;

/** Target of a scenario that opens a page: the page's host and port. */
export function pageTarget(platform: string, url: string): CheckTarget {
  const u = new URL(url);
  return {
    platform,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    transport: 'tcp',
    url,
    documentedIps: [],
    ipsStable: true,
  };
}
