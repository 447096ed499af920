// Durations as users write them ("500ms", "3s", "5m"), parsed to milliseconds; shared by the
// config schema and the scenario options.
import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** A duration such as "500ms", "3s", "5m"; parsed to milliseconds. */
export const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration such as "500ms", "3s" or "5m"')
  .transform(parseDuration);
