// The RCP (tumour board) sessions of vigie.yaml: weekly recurrences ("le mercredi, toutes les
// semaines, 16:00–17:30") and iCalendar sources, in Europe/Paris wall-clock time.
import { z } from 'zod';

export const TIME_ZONE = 'Europe/Paris';

export const DAYS: Record<string, number> = {
  sunday: 0, dimanche: 0, monday: 1, lundi: 1, tuesday: 2, mardi: 2, wednesday: 3, mercredi: 3,
  thursday: 4, jeudi: 4, friday: 5, vendredi: 5, saturday: 6, samedi: 6,
};

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time such as "16:00"');

export const sessionSchema = z
  .object({
    /** Name shown in alerts and on the status page. */
    name: z.string().min(1).describe('Session name, shown in alerts and on the status page.'),
    /** Platform id whose flows and scenarios the session needs. */
    platform: z.string().min(1).describe('Platform id whose flows the session needs.'),
    weekly: z
      .object({
        day: z.string().refine((d) => d.toLowerCase() in DAYS, 'a day of the week, in French or English'),
        start: hhmm,
        end: hhmm,
      })
      .strict()
      .describe('Weekly recurrence, Europe/Paris wall-clock times.'),
  })
  .strict();

export const calendarSchema = z
  .object({
    /** Minutes before each session at which everything its platform needs is run again. Default 60, 30, 10. */
    offsets_minutes: z.array(z.number().int().min(1).max(24 * 60)).default([60, 30, 10]).describe('Minutes before a session at which its platform is checked again.'),
    /** Length of the pre-session window in minutes (the window gauge is 1 from then until the end). Default 60. */
    window_minutes: z.number().int().min(1).max(24 * 60).default(60).describe('Length of the pre-session window in minutes.'),
    /** Inside a pre-session window, the session's platform is checked again every this many seconds. Default 60. */
    in_window_interval_seconds: z.number().int().min(5).max(3600).default(60).describe("Inside a pre-session window, the session's platform is checked again every this many seconds."),
    sessions: z.array(sessionSchema).default([]).describe('Recurring sessions.'),
    /** iCalendar files or URLs (VEVENTs with RRULE and VTIMEZONE), each for one platform. Files are relative to the config file. */
    ical: z
      .array(
        z.union([
          z.object({ file: z.string().min(1), platform: z.string().min(1) }).strict(),
          z.object({ url: z.url({ protocol: /^https?$/ }), platform: z.string().min(1) }).strict(),
        ]),
      )
      .default([])
      .describe('iCalendar sources, each for one platform: a file (relative to the config file) or an http(s) URL, fetched at each re-plan.'),
  })
  .strict();

export type CalendarConfig = z.output<typeof calendarSchema>;
