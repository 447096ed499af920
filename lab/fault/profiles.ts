// Loads the named fault profiles (lab/fault/profiles/NAME.yaml; see the README there), validated
// with zod so that a typo in a profile is an error, not a fault silently not applied.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export const PROFILES_DIR = join(import.meta.dirname, 'profiles');

const profileSchema = z
  .object({
    summary: z.string(),
    fix: z.string(),
    filter: z.string().optional(),
    /** Rules on what arrives at the hospital (the input hook): a path that loses the platform's large packets. */
    filter_in: z.string().optional(),
    nat: z.string().optional(),
    rate: z.string().regex(/^\d+(kbit|mbit)$/).optional(),
    lab: z
      .object({
        dns_drift: z.boolean().optional(),
        clock_skew_seconds: z.number().optional(),
        dns_delay_ms: z.number().int().positive().optional(),
        portal_chain: z.enum(['duplicated-leaf', 'out-of-order', 'missing-intermediate']).optional(),
      })
      .strict()
      .optional(),
    config: z.string().optional(),
  })
  .strict();

export type FaultProfile = z.infer<typeof profileSchema> & { name: string };

/** The profile names, sorted (the files in the profiles folder). */
export function profileNames(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

export function loadProfile(name: string): FaultProfile {
  if (!profileNames().includes(name)) throw new Error(`unknown fault profile "${name}"; known: ${profileNames().join(', ')}`);
  const file = join(PROFILES_DIR, `${name}.yaml`);
  const parsed = profileSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...parsed.data, name };
}

/** Replaces `$NAME` with the lab's addresses; an unknown name is an error. */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$([A-Z_]+)/g, (_, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`fault profile uses $${k}, which the lab does not define`);
    return v;
  });
}
