// RCP (tumour board) sessions: weekly recurrences from the config ("le mercredi, toutes les
// semaines, 16:00–17:30") and iCalendar files parsed with ical.js (Mozilla's maintained parser).
// Wall-clock times are Europe/Paris and stay right across daylight-saving changes.
import { createRequire } from 'node:module';
import type ICALModule from 'ical.js';
import type { z } from 'zod';
import { InputError, readInputFile } from '../config/input-error.ts';
import { type CalendarConfig, DAYS, type sessionSchema, TIME_ZONE } from '../config/rcp-sessions.ts';
import { zoneOffsetMs } from './zone-offset.ts';

export { TIME_ZONE, type CalendarConfig };

export interface Occurrence {
  name: string;
  platform: string;
  start: Date;
  end: Date;
}

/**
 * The instant at which the wall clock of `tz` shows the given time. A time that does not exist
 * (the hour skipped in spring) is read with the offset before the change, i.e. one hour later.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, tz = TIME_ZONE): Date {
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  const first = naive - zoneOffsetMs(naive, tz);
  const second = naive - zoneOffsetMs(first, tz);
  return new Date(Math.max(first, second));
}

/** Wall-clock date parts of an instant in `tz`. */
function wallDate(utcMs: number, tz: string): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(utcMs + zoneOffsetMs(utcMs, tz));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

/** Occurrences of a weekly session that end after `from` and start before `until`. */
export function weeklyOccurrences(s: z.output<typeof sessionSchema>, from: Date, until: Date, tz = TIME_ZONE): Occurrence[] {
  const out: Occurrence[] = [];
  const want = DAYS[s.weekly.day.toLowerCase()]!;
  const [sh, sm] = s.weekly.start.split(':').map(Number) as [number, number];
  const [eh, em] = s.weekly.end.split(':').map(Number) as [number, number];
  for (let t = from.getTime() - 86_400_000; t <= until.getTime() + 86_400_000; t += 86_400_000) {
    const w = wallDate(t, tz);
    if (w.weekday !== want) continue;
    const start = zonedTimeToUtc(w.year, w.month, w.day, sh, sm, tz);
    const end = zonedTimeToUtc(w.year, w.month, w.day, eh, em, tz);
    if (end > from && start < until && !out.some((o) => o.start.getTime() === start.getTime())) out.push({ name: s.name, platform: s.platform, start, end });
  }
  return out;
}

/** ical.js loads at the first calendar read (its CommonJS build, so reading stays synchronous; require caches it): a probe without `rcp.ical` never holds it. */
const loadIcal = (): typeof ICALModule => createRequire(import.meta.url)('ical.js') as typeof ICALModule;

/** Events one calendar may hold (a year of weekly sessions is 52; RRULEs expand the rest). */
const MAX_EVENTS = 2000;

/** Occurrences of the VEVENTs of an iCalendar text between `from` and `until` (RRULE expanded). */
export function icalOccurrences(text: string, platform: string, from: Date, until: Date, file = 'calendar.ics'): Occurrence[] {
  const ICAL = loadIcal();
  let root: ICALModule.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (e) {
    throw new InputError([{ file, path: '', message: `not a valid iCalendar file: ${(e as Error).message}` }]);
  }
  for (const vtz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  const out: Occurrence[] = [];
  const vevents = root.getAllSubcomponents('vevent');
  if (vevents.length > MAX_EVENTS) throw new InputError([{ file, path: '', message: `${vevents.length} events: a calendar may hold at most ${MAX_EVENTS}; refused` }]);
  for (const vevent of vevents) {
    const event = new ICAL.Event(vevent);
    const name = event.summary || 'RCP';
    const durationMs = event.endDate ? event.endDate.toJSDate().getTime() - event.startDate.toJSDate().getTime() : 3_600_000;
    if (!event.isRecurring()) {
      const start = event.startDate.toJSDate();
      if (start < until && start.getTime() + durationMs > from.getTime()) out.push({ name, platform, start, end: new Date(start.getTime() + durationMs) });
      continue;
    }
    const it = event.iterator();
    for (let i = 0, next = it.next(); next && i < 5000; i++, next = it.next()) {
      const start = event.getOccurrenceDetails(next).startDate.toJSDate();
      if (start >= until) break;
      if (start.getTime() + durationMs > from.getTime()) out.push({ name, platform, start, end: new Date(start.getTime() + durationMs) });
    }
  }
  return out;
}

/**
 * Every session occurrence of the config between `from` and `until`, sorted by start. iCalendar
 * URLs are read from `fetched` (their last text, kept by the caller), files from disk.
 */
export function occurrences(cal: CalendarConfig, from: Date, until: Date, baseDir = '.', fetched: ReadonlyMap<string, string> = new Map()): Occurrence[] {
  const all = cal.sessions.flatMap((s) => weeklyOccurrences(s, from, until));
  for (const src of cal.ical) {
    if ('url' in src) {
      const text = fetched.get(src.url);
      if (text !== undefined) all.push(...icalOccurrences(text, src.platform, from, until, src.url));
      continue;
    }
    const path = src.file.startsWith('/') ? src.file : `${baseDir}/${src.file}`;
    all.push(...icalOccurrences(readInputFile(path), src.platform, from, until, path));
  }
  return all.sort((a, b) => a.start.getTime() - b.start.getTime());
}
