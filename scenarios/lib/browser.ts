// Debian's Chromium driven by playwright-core, one browser per scenario run (measured against a
// kept browser in bench/: launching costs well under a second, while a kept browser holds well over
// 100 MB between runs that are minutes apart, and a crash would spill into the next run). The
// browser gets the fake 720p camera and microphone, makes no connection of its own, and is killed
// with its whole process tree when the run ends, whatever happened to it.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
// Type-only at load time: playwright-core (tens of MiB in memory) is loaded at the first launch, so
// a probe without scenarios never pays for it.
import type { Browser, BrowserContext, LaunchOptions } from 'playwright-core';
import type { ProxySettings } from '../../runner/core/contract.ts';
import type { FakeMedia } from './fake-media.ts';

/** Flags that keep Chromium from calling home (component updates, sync, field trials, first-run). */
export const QUIET_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] as const;

export interface BrowserSettings {
  executablePath: string;
  /** Extra Chromium flags from the config. */
  args: readonly string[];
  media: FakeMedia;
  proxy?: ProxySettings;
  /** Time given to a graceful close before the process tree is killed. */
  closeTimeoutMs?: number;
  /** Chromium's sandbox; on unless the operator turned it off. */
  sandbox?: boolean;
}

/** Chromium refuses its sandbox to root: known before trying. */
function sandboxRefusedUpFront(): string | undefined {
  return process.getuid?.() === 0 ? 'the probe runs as root, where Chromium refuses its sandbox' : undefined;
}

/** What Chromium says when its sandbox cannot start ("No usable sandbox!", a zygote or namespace error). */
const SANDBOX_FAILURE = /sandbox|namespace|zygote/i;

/** The browser died (crash, OOM kill) or stopped answering during the run. */
export class BrowserCrashed extends Error {
  override name = 'BrowserCrashed';
}

export class BrowserLaunchFailed extends Error {
  override name = 'BrowserLaunchFailed';
  /** The whole launch log (the browser's own stderr), for telling a sandbox failure apart. */
  readonly log: string;
  constructor(message: string, log = '') {
    super(message);
    this.log = log;
  }
}

export function launchArgs(s: Pick<BrowserSettings, 'args' | 'media'>): string[] {
  return [
    ...QUIET_ARGS,
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${s.media.video}`,
    `--use-file-for-fake-audio-capture=${s.media.audio}`,
    ...s.args,
  ];
}

function proxyOption(p: ProxySettings | undefined): LaunchOptions['proxy'] {
  if (!p) return undefined;
  return {
    server: `${p.url.protocol}//${p.url.host}`,
    ...(p.noProxy.length ? { bypass: p.noProxy.join(',') } : {}),
    ...(p.auth ? { username: p.auth.username, password: p.auth.password } : {}),
  };
}

/** Parent → children map of every process, read from /proc. */
function childrenMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we were reading.
    }
  }
  return map;
}

export function processTree(pid: number): number[] {
  const map = childrenMap();
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of map.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/**
 * Memory of a set of processes, in bytes: the proportional set size (PSS), so pages Chromium's
 * processes share are counted once across the tree rather than once per process as RSS would.
 */
export function treeMemoryBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // ended
    }
  }
  return total;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The browser's main process: the one whose command line carries this run's marker flag. */
function findByMarker(marker: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      // The main process is the one started with the marker and without a --type (renderer, gpu, zygote).
      if (cmd.includes(marker) && !cmd.some((a) => a.startsWith('--type='))) return Number(name);
    } catch {
      // ended
    }
  }
  return undefined;
}

/** Start time of a process (clock ticks since boot): tells a process from a later one with the same pid. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** SIGKILL to the browser's process group (Playwright starts it as a group leader) and every known member still the same process. */
function killAll(pid: number | undefined, known: ReadonlyMap<number, string | undefined>): void {
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // group already gone
    }
  }
  for (const [p, started] of known) {
    if (started === undefined || startTime(p) !== started) continue;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export class BrowserSession {
  readonly browser: Browser;
  readonly pid: number | undefined;
  /** Every process of the tree seen so far, so that orphans of a crashed parent are still killed. */
  private readonly known = new Map<number, string | undefined>();
  private closing = false;
  private crashError: BrowserCrashed | undefined;
  private readonly crashed: Promise<never>;
  private peak = 0;
  readonly sandboxed: boolean;
  /** Why the sandbox is off although it was wanted; undefined when on, or turned off on purpose. */
  readonly sandboxProblem: string | undefined;

  private constructor(browser: Browser, pid: number | undefined, sandboxed: boolean, sandboxProblem: string | undefined) {
    this.browser = browser;
    this.pid = pid;
    this.sandboxed = sandboxed;
    this.sandboxProblem = sandboxProblem;
    let reject!: (e: Error) => void;
    this.crashed = new Promise<never>((_, r) => (reject = r));
    this.crashed.catch(() => {});
    browser.on('disconnected', () => {
      if (this.closing) return;
      this.crashError = new BrowserCrashed('the browser process ended during the run');
      reject(this.crashError);
    });
    this.sample();
  }

  /**
   * Launches with the sandbox unless turned off. When the sandbox cannot start, the browser runs
   * without it and `sandboxProblem` says why: the run is then degraded, never silently unsandboxed.
   */
  static async launch(s: BrowserSettings): Promise<BrowserSession> {
    if (s.sandbox === false) return BrowserSession.start(s, false, undefined);
    const upFront = sandboxRefusedUpFront();
    if (upFront) return BrowserSession.start(s, false, upFront);
    try {
      return await BrowserSession.start(s, true, undefined);
    } catch (e) {
      const log = e instanceof BrowserLaunchFailed ? e.log : '';
      const line = log.split('\n').find((l) => SANDBOX_FAILURE.test(l));
      if (!line) throw e;
      return BrowserSession.start(s, false, `the sandbox did not start: ${line.replace(/^\s*(\[[^\]]*\]\s*)*/, '').trim().slice(0, 200)}`);
    }
  }

  private static async start(s: BrowserSettings, sandbox: boolean, sandboxProblem: string | undefined): Promise<BrowserSession> {
    let browser: Browser;
    // Playwright does not expose the browser's pid: an inert flag of our own finds it in /proc.
    const marker = `--vigie-run=${randomUUID()}`;
    try {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: s.executablePath,
        args: [...launchArgs(s), marker],
        chromiumSandbox: sandbox,
        timeout: 20_000,
        // The runner owns shutdown: it closes the browser itself within its grace period.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        ...(s.proxy ? { proxy: proxyOption(s.proxy) } : {}),
      });
    } catch (e) {
      // Playwright's message carries the whole launch log; the first line says what went wrong.
      const message = (e as Error).message;
      throw new BrowserLaunchFailed(`${s.executablePath}: ${message.split('\n')[0]}`, message);
    }
    return new BrowserSession(browser, findByMarker(marker), sandbox, sandboxProblem);
  }

  /** A fresh context (own cookies, storage) with camera and microphone allowed. */
  async newContext(): Promise<BrowserContext> {
    const ctx = await this.guard(this.browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 800 } }));
    return ctx;
  }

  /** Waits for `p`, but gives up with BrowserCrashed as soon as the browser dies. */
  guard<T>(p: Promise<T>): Promise<T> {
    // When the crash wins the race, `p` rejects later: that rejection is expected, not unhandled.
    p.catch(() => {});
    if (this.crashError) return Promise.reject(this.crashError);
    return Promise.race([p, this.crashed]);
  }

  get hasCrashed(): boolean {
    return this.crashError !== undefined;
  }

  /** Records the tree's current processes and memory; returns the tree's PSS in bytes. */
  sample(): number {
    if (this.pid === undefined || !alive(this.pid)) return 0;
    const pids = processTree(this.pid);
    for (const p of pids) if (!this.known.has(p)) this.known.set(p, startTime(p));
    const rss = treeMemoryBytes(pids);
    this.peak = Math.max(this.peak, rss);
    return rss;
  }

  /** Highest memory (PSS) of the whole process tree seen at a sample. */
  get peakMemoryBytes(): number {
    return this.peak;
  }

  /**
   * Closes gracefully within the timeout, then kills whatever is left of the tree.
   * Returns true when the browser did not close by itself (hung).
   */
  async close(timeoutMs = 5000): Promise<boolean> {
    this.closing = true;
    if (this.pid !== undefined && alive(this.pid)) this.sample();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.browser.close().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    killAll(this.pid, this.known);
    return !closed && !this.crashError;
  }
}
