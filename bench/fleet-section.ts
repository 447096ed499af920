// Markers of the fleet simulation's section in bench/RESULTS.md: bench/fleet.ts writes between
// them, bench/run.ts keeps what is between them when it rewrites the rest.
export const FLEET_BEGIN = '<!-- fleet: written by bench/fleet.ts -->';
export const FLEET_END = '<!-- /fleet -->';

/** The fleet section of an earlier RESULTS.md, or '' if it has none. */
export function fleetSection(text: string): string {
  const at = text.indexOf(FLEET_BEGIN);
  const end = text.indexOf(FLEET_END);
  return at < 0 || end < at ? '' : text.slice(at, end + FLEET_END.length);
}
