// Pre-session runs: before each RCP session, everything the session's platform needs is checked
// again at the configured offsets (default 60, 30 and 10 minutes before the start), so that
// on-call staff hear of a broken path while there is still time to act.
import type { Logger } from 'pino';
import { type CalendarConfig, type Occurrence, occurrences } from './calendar.ts';
import { type CheckSpec, sessionChecks, sessionPlatforms } from './plan.ts';
import type { Catalog } from '../config/catalog.ts';

/** How far ahead occurrences are planned; re-planned every `replanMs`. */
const HORIZON_MS = 26 * 3_600_000;

export interface PreSessionOptions {
  baseDir: string;
  /** Offsets in ms (the config's minutes, converted; tests use shorter ones). */
  offsetsMs: number[];
  windowMs: number;
  /** While a session is in its window, its platform is run again this often (detection under 2 minutes). */
  inWindowIntervalMs?: number;
  replanMs?: number;
  now?: () => Date;
  /** Reads an iCalendar URL (through the probe's proxy in production); failures keep the last copy. */
  fetchText?: (url: string) => Promise<string>;
}

export class PreSessionRuns {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private replan: NodeJS.Timeout | undefined;
  private inWindow: NodeJS.Timeout | undefined;
  private cal: CalendarConfig;
  private checks: readonly CheckSpec[];
  private catalogs: readonly Pick<Catalog, 'platform' | 'depends_on'>[];
  private run: (spec: CheckSpec) => void;
  private log: Logger;
  private opts: PreSessionOptions;
  private upcomingCache: Occurrence[] = [];
  private readonly fetched = new Map<string, string>();
  private planned = false;

  constructor(cal: CalendarConfig, checks: readonly CheckSpec[], run: (spec: CheckSpec) => void, log: Logger, opts: PreSessionOptions, catalogs: readonly Pick<Catalog, 'platform' | 'depends_on'>[] = []) {
    this.cal = cal;
    this.checks = checks;
    this.catalogs = catalogs;
    this.run = run;
    this.log = log;
    this.opts = opts;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** A new plan (the region's catalogs changed). */
  setChecks(checks: readonly CheckSpec[], catalogs: readonly Pick<Catalog, 'platform' | 'depends_on'>[] = this.catalogs): void {
    this.checks = checks;
    this.catalogs = catalogs;
  }

  /** Checks a session of `platform` needs: the platform's own, its dependencies' and the site-wide ones (clock, proxy). */
  checksFor(platform: string): CheckSpec[] {
    return sessionChecks(this.checks, this.catalogs, platform);
  }

  /** Plans the timers of the next occurrences; the first call throws on bad input, later ones log and keep the last plan. */
  plan(): void {
    const now = this.now();
    try {
      this.upcomingCache = occurrences(this.cal, now, new Date(now.getTime() + HORIZON_MS), this.opts.baseDir, this.fetched);
    } catch (e) {
      if (!this.planned) throw e;
      this.log.error({ err: e }, 'cannot read the RCP calendar; keeping the previous plan');
    }
    this.planned = true;
    for (const occ of this.upcomingCache) {
      for (const offset of this.opts.offsetsMs) {
        const at = occ.start.getTime() - offset;
        const key = `${occ.platform}|${occ.name}|${occ.start.toISOString()}|${offset}`;
        if (at <= now.getTime() || this.timers.has(key)) continue;
        const t = setTimeout(() => {
          const specs = this.checksFor(occ.platform);
          this.log.info({ session: occ.name, platform: occ.platform, start: occ.start.toISOString(), minutesBefore: Math.round(offset / 60000), checks: specs.length }, 'pre-session run');
          for (const s of specs) this.run(s);
        }, at - now.getTime());
        t.unref();
        this.timers.set(key, t);
      }
    }
    // Forget timers of past occurrences.
    for (const [key, t] of this.timers) {
      if (Date.parse(key.split('|')[2]!) >= now.getTime() - this.opts.windowMs) continue;
      clearTimeout(t);
      this.timers.delete(key);
    }
  }

  /** Fetches the iCalendar URLs; a failed fetch keeps the previous copy and is logged. */
  async refresh(): Promise<void> {
    const fetchText = this.opts.fetchText;
    if (!fetchText) return;
    await Promise.all(
      this.cal.ical.map(async (src) => {
        if (!('url' in src)) return;
        try {
          this.fetched.set(src.url, await fetchText(src.url));
        } catch (e) {
          this.log.warn({ url: src.url, err: (e as Error).message }, 'cannot fetch the RCP calendar; keeping the previous copy');
        }
      }),
    );
  }

  async start(): Promise<void> {
    await this.refresh();
    this.plan();
    this.replan = setInterval(() => void this.refresh().then(() => this.plan()), this.opts.replanMs ?? 30 * 60_000);
    this.replan.unref();
    if (this.opts.inWindowIntervalMs) {
      this.inWindow = setInterval(() => this.runInWindow(), this.opts.inWindowIntervalMs);
      this.inWindow.unref();
    }
  }

  /** Runs the checks of every platform that has a session in its window (the scheduler skips overlaps). */
  runInWindow(): void {
    const platforms = new Set(this.next().filter((n) => n.inWindow).map((n) => n.occurrence.platform));
    for (const p of platforms) for (const s of this.checksFor(p)) this.run(s);
  }

  stop(): void {
    clearInterval(this.replan);
    clearInterval(this.inWindow);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** The next occurrence of each (platform, session), whether it is within its pre-session window, and the platforms it relies on (`site` included). */
  next(): { occurrence: Occurrence; inWindow: boolean; needs: string[] }[] {
    const now = this.now().getTime();
    const seen = new Set<string>();
    const out: { occurrence: Occurrence; inWindow: boolean; needs: string[] }[] = [];
    for (const o of this.upcomingCache) {
      const key = `${o.platform}|${o.name}`;
      if (seen.has(key) || o.end.getTime() <= now) continue;
      seen.add(key);
      out.push({ occurrence: o, inWindow: now >= o.start.getTime() - this.opts.windowMs && now < o.end.getTime(), needs: [...sessionPlatforms(this.catalogs, o.platform), 'site'] });
    }
    return out;
  }
}
