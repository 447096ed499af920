// RCP calendar: weekly sessions and iCalendar files in Europe/Paris across daylight-saving changes,
// the session gauges, and the pre-session runs of the session's platform.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { icalOccurrences, weeklyOccurrences, zonedTimeToUtc } from '../../../runner/engine/calendar.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { createLogger } from '../../../runner/telemetry/logging.ts';
import { ProbeMetrics } from '../../../runner/telemetry/metrics.ts';
import { ResultsStore } from '../../../runner/engine/results-store.ts';
import { fetchText } from '../../../runner/config/fetch-url.ts';
import { PreSessionRuns } from '../../../runner/engine/pre-session.ts';
import { startHttpOn } from '../../../lab/servers.ts';
import { spec, target } from '../../helpers.ts';
import { labTempDir } from '../../../lab/temp.ts';

const iso = (d: Date) => d.toISOString();
const session = (day: string, start: string, end: string) => ({ name: 'RCP Sein-Gynéco', platform: 'dcc-webconf', weekly: { day, start, end } });

describe('weekly sessions in Europe/Paris', () => {
  it('"le mercredi, 16:00–17:30" is 15:00Z in winter and 14:00Z in summer', () => {
    const winter = weeklyOccurrences(session('mercredi', '16:00', '17:30'), new Date('2026-12-01T00:00Z'), new Date('2026-12-08T00:00Z'));
    expect(winter.map((o) => [iso(o.start), iso(o.end)])).toEqual([['2026-12-02T15:00:00.000Z', '2026-12-02T16:30:00.000Z']]);
    const summer = weeklyOccurrences(session('wednesday', '16:00', '17:30'), new Date('2026-06-01T00:00Z'), new Date('2026-06-08T00:00Z'));
    expect(summer.map((o) => iso(o.start))).toEqual(['2026-06-03T14:00:00.000Z']);
  });
  it('a Sunday session on the day of each daylight-saving change', () => {
    const sunday = session('dimanche', '10:00', '11:00');
    // 29 March 2026: 02:00 CET becomes 03:00 CEST; 25 October 2026: 03:00 CEST becomes 02:00 CET.
    expect(weeklyOccurrences(sunday, new Date('2026-03-21T12:00Z'), new Date('2026-04-06T00:00Z')).map((o) => iso(o.start))).toEqual([
      '2026-03-22T09:00:00.000Z',
      '2026-03-29T08:00:00.000Z',
      '2026-04-05T08:00:00.000Z',
    ]);
    expect(weeklyOccurrences(sunday, new Date('2026-10-24T00:00Z'), new Date('2026-10-26T00:00Z')).map((o) => iso(o.start))).toEqual(['2026-10-25T09:00:00.000Z']);
  });
  it('a wall time skipped in spring is read one hour later', () => {
    expect(iso(zonedTimeToUtc(2026, 3, 29, 2, 30))).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });
  it('an ongoing session is still listed until it ends', () => {
    const o = weeklyOccurrences(session('mercredi', '16:00', '17:30'), new Date('2026-12-02T15:30Z'), new Date('2026-12-03T00:00Z'));
    expect(o.map((x) => iso(x.start))).toEqual(['2026-12-02T15:00:00.000Z']);
  });
  it('invalid sessions are config errors', () => {
    expect(() => parseConfig('rcp: { sessions: [{ name: x, platform: telercp, weekly: { day: jour, start: "25:00", end: "17:00" } }] }', 'v.yaml')).toThrow(
      /rcp\.sessions\[0\]\.weekly\.day: a day of the week, in French or English\n.*rcp\.sessions\[0\]\.weekly\.start: expected a time such as "16:00"/,
    );
  });
});

const ICS = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Vigie tests//FR
BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:rcp-digestif@vigie.test
SUMMARY:RCP Digestif
DTSTART;TZID=Europe/Paris:20260305T140000
DTEND;TZID=Europe/Paris:20260305T153000
RRULE:FREQ=WEEKLY;BYDAY=TH
END:VEVENT
END:VCALENDAR
`;

describe('iCalendar sessions', () => {
  it('expands a weekly RRULE with its VTIMEZONE across the spring change', () => {
    const o = icalOccurrences(ICS, 'telercp', new Date('2026-03-20T00:00Z'), new Date('2026-04-03T00:00Z'));
    expect(o.map((x) => [x.name, iso(x.start), iso(x.end)])).toEqual([
      ['RCP Digestif', '2026-03-26T13:00:00.000Z', '2026-03-26T14:30:00.000Z'],
      ['RCP Digestif', '2026-04-02T12:00:00.000Z', '2026-04-02T13:30:00.000Z'],
    ]);
  });
  it('garbage is an input error naming the file', () => {
    expect(() => icalOccurrences('not a calendar', 'telercp', new Date(), new Date(), 'rcp.ics')).toThrow(/rcp\.ics: not a valid iCalendar file/);
  });
});

describe('pre-session runs and session gauges', () => {
  it('runs the platform checks (and the site checks) at each offset before the start, and exports the gauges', async () => {
    const now = new Date();
    const wall = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now.getTime() + 120_000));
    const get = (t: string) => wall.find((p) => p.type === t)!.value;
    const start = `${get('hour')}:${get('minute')}`;
    const cal = parseConfig(`rcp: { sessions: [{ name: RCP test, platform: telercp, weekly: { day: ${get('weekday').toLowerCase()}, start: "${start}", end: "23:59" } }] }`, 'v.yaml').rcp;
    const checks = [
      spec('tcp', target({ platform: 'telercp', host: 'visio.sante-ra.fr', port: 443 })),
      spec('tcp', target({ platform: 'covotem', host: 'www.esante-centre.fr', port: 443 })),
      spec('clock', target({ platform: 'site', host: 'time.windows.com', port: 123, transport: 'udp' })),
    ];
    const ran: string[] = [];
    // Session starts at the next minute boundary ≥ 60 s from now; offsets chosen so that the runs fall 0.3 s and 0.6 s from now.
    const startMs = (() => {
      const d = new Date(now.getTime() + 120_000);
      d.setUTCSeconds(0, 0);
      return d.getTime();
    })();
    const offsetsMs = [startMs - now.getTime() - 300, startMs - now.getTime() - 600];
    const runs = new PreSessionRuns(cal, checks, (s) => ran.push(s.target.platform), createLogger({ level: 'silent' }), { baseDir: '.', offsetsMs, windowMs: 3_600_000, now: () => now });
    runs.plan();
    await new Promise((r) => setTimeout(r, 1000));
    runs.stop();
    expect(ran.sort()).toEqual(['site', 'site', 'telercp', 'telercp']);
    const metrics = new ProbeMetrics({ store: new ResultsStore(), sessions: () => runs.next() });
    const text = await metrics.text();
    expect(text).toContain(`rcp_session_next_start_timestamp_seconds{platform="telercp",session="RCP test"} ${startMs / 1000}`);
    expect(text).toContain('rcp_session_in_window{platform="telercp",session="RCP test"} 1');
    // What the session relies on, for RcpSessionAtRisk: its platform and the site's checks (clock, proxy).
    expect(text).toContain(`rcp_session_dependency_in_window{platform="telercp",session="RCP test",session_platform="telercp"} 1`);
    expect(text).toContain(`rcp_session_dependency_in_window{platform="site",session="RCP test",session_platform="telercp"} 1`);
    expect(text).not.toContain('rcp_session_dependency_in_window{platform="covotem"');
    ran.length = 0;
    runs.runInWindow(); // in the window: the platform is checked again on every in-window tick
    expect(ran.sort()).toEqual(['site', 'telercp']);
  });
  it('a session relies on its platform, the platforms it depends on (transitively) and the site', () => {
    const cal = parseConfig('rcp: { sessions: [{ name: RCP Thorax, platform: dcc-webconf, weekly: { day: monday, start: "10:00", end: "11:00" } }] }', 'v.yaml').rcp;
    const catalogs = [
      { platform: 'dcc-webconf', depends_on: ['telercp'] },
      { platform: 'telercp', depends_on: ['pki-sante'] },
      { platform: 'covotem', depends_on: [] },
    ];
    const runs = new PreSessionRuns(cal, [], () => {}, createLogger({ level: 'silent' }), { baseDir: '.', offsetsMs: [], windowMs: 3_600_000, now: () => new Date('2026-12-07T08:30:00Z') }, catalogs);
    runs.plan();
    runs.stop();
    // Monday 7 December 2026, 09:30 in Paris: the 10:00 session is in its window.
    expect(runs.next()[0]).toMatchObject({ inWindow: true, needs: ['dcc-webconf', 'telercp', 'pki-sante', 'site'] });
  });
  it('an iCalendar file referenced by the config is read relative to it', () => {
    const dir = labTempDir('vigie-ics-');
    writeFileSync(join(dir, 'rcp.ics'), ICS);
    const cal = parseConfig('rcp: { ical: [{ file: rcp.ics, platform: telercp }] }', 'v.yaml').rcp;
    const runs = new PreSessionRuns(cal, [], () => {}, createLogger({ level: 'silent' }), { baseDir: dir, offsetsMs: [600_000], windowMs: 3_600_000, now: () => new Date('2026-03-26T06:00Z') });
    runs.plan();
    runs.stop();
    expect(runs.next().map((n) => iso(n.occurrence.start))).toEqual(['2026-03-26T13:00:00.000Z']);
  });
});

describe('iCalendar URLs', () => {
  it('are fetched (undici), planned, and kept when a later fetch fails', async () => {
    let up = true;
    const server = await startHttpOn(0, (_q, res) => (up ? res.writeHead(200, { 'content-type': 'text/calendar' }).end(ICS) : res.writeHead(503).end()));
    const url = `http://127.0.0.1:${server.port}/rcp.ics`;
    try {
      const cal = parseConfig(`rcp: { ical: [{ url: "${url}", platform: telercp }] }`, 'v.yaml').rcp;
      const runs = new PreSessionRuns(cal, [], () => {}, createLogger({ level: 'silent' }), {
        baseDir: '.',
        offsetsMs: [600_000],
        windowMs: 3_600_000,
        now: () => new Date('2026-03-26T06:00Z'),
        fetchText: (u) => fetchText(u, undefined),
      });
      await runs.start();
      expect(runs.next().map((n) => iso(n.occurrence.start))).toEqual(['2026-03-26T13:00:00.000Z']);
      up = false;
      await runs.refresh();
      runs.plan();
      runs.stop();
      expect(runs.next().map((n) => iso(n.occurrence.start))).toEqual(['2026-03-26T13:00:00.000Z']);
    } finally {
      await server.close();
    }
  });
});
