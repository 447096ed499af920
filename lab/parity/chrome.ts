// Chromium as the parity matrix's oracle: Debian's chromium, driven by playwright-core, run inside
// the lab's hospital namespace, trusting the lab's roots the way an establishment's managed CA is
// trusted (an NSS database in its HOME), never with a flag that turns verification off. It loads
// pages, gathers TURN relay candidates (RTCPeerConnection, relay only) and makes real calls.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { QUIET_ARGS } from '../../scenarios/lib/browser.ts';
import type { ChromeResult } from './cell.ts';

export const CHROMIUM = '/usr/bin/chromium';

export interface ParityChrome {
  /** Navigates to `url` in a fresh context (with `proxy`, as a browser configured for it). */
  page(url: string, opts?: { proxy?: string; timeoutMs?: number }): Promise<ChromeResult>;
  /** Gathers relay candidates for each TURN server at once, in one page: one result per server. */
  relays(servers: readonly RelayAttempt[], opts?: { proxy?: string; timeoutMs?: number }): Promise<ChromeResult[]>;
  /** A fresh context, for a cell that drives a page of its own (a call). */
  context(opts?: { proxy?: string }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export interface RelayAttempt {
  /** `turn:host:port?transport=udp`, `turns:host:443?transport=tcp`. */
  url: string;
  username: string;
  credential: string;
  /** The relay protocol that counts as working: `udp`, `tcp` or `tls`. */
  protocol: 'udp' | 'tcp' | 'tls';
}

/** An NSS database under `home` whose trust anchors are `roots` (PEM), as `certutil` adds an enterprise CA. */
export function nssHome(home: string, roots: readonly string[]): void {
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'], { stdio: 'ignore' });
  roots.forEach((pem, i) => {
    const file = join(home, `root-${i}.pem`);
    writeFileSync(file, pem);
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', `lab-root-${i}`, '-t', 'C,,', '-i', file], { stdio: 'ignore' });
  });
}

/** The net error in a navigation failure ("page.goto: net::ERR_CERT_DATE_INVALID at …"). */
export function netError(message: string): string {
  return /net::(ERR_[A-Z0-9_]+)/.exec(message)?.[1] ?? (/Timeout \d+ms exceeded/.test(message) ? 'ERR_TIMED_OUT' : message.split('\n')[0]!.slice(0, 120));
}

export async function launchParityChrome(opts: { netns: string; dir: string; roots: readonly string[]; args?: readonly string[] }): Promise<ParityChrome> {
  const home = join(opts.dir, 'chrome-home');
  nssHome(home, opts.roots);
  // Chromium in the hospital namespace: playwright's pipe (fds 3 and 4) passes through `ip netns exec`.
  const wrapper = join(opts.dir, 'chromium-in-netns.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${opts.netns} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({
    executablePath: wrapper,
    env: { ...process.env, HOME: home },
    args: [...QUIET_ARGS, '--disable-gpu', '--disable-dev-shm-usage', ...(opts.args ?? [])],
    timeout: 30_000,
  });
  const context = (o: { proxy?: string } = {}) => browser.newContext({ ignoreHTTPSErrors: false, ...(o.proxy ? { proxy: { server: o.proxy } } : {}) });
  return {
    context,
    async page(url, o = {}) {
      const ctx = await context(o);
      try {
        const p = await ctx.newPage();
        const res = await p.goto(url, { timeout: o.timeoutMs ?? 15_000, waitUntil: 'domcontentloaded' });
        if (!res) return { outcome: 'fails', error: 'no response' };
        return res.ok() ? { outcome: 'works', error: String(res.status()) } : { outcome: 'fails', error: `HTTP ${res.status()}` };
      } catch (e) {
        const message = (e as Error).message;
        return { outcome: 'fails', error: netError(message), detail: message.split('\n')[0] };
      } finally {
        await ctx.close().catch(() => {});
      }
    },
    async relays(servers, o = {}) {
      const ctx = await context(o);
      // As a call's page: without the camera and microphone Chrome gathers on "any address" ports,
      // one IPv4 and one IPv6 per server, whose errors say nothing of the server (an IPv4-only name's
      // lookup, an IPv4 alternate refused) and come in no fixed order before the IPv4 port's own.
      await ctx.grantPermissions(['camera', 'microphone']);
      try {
        const p = await ctx.newPage();
        const args = { servers: servers.map((s) => ({ urls: s.url, username: s.username, credential: s.credential })), timeoutMs: o.timeoutMs ?? 45_000 };
        const seen = (await p.evaluate(`(${GATHER_RELAYS})(${JSON.stringify(args)})`)) as Gathered[];
        return seen.map((r, i) => relayVerdict(r, servers[i]!.protocol));
      } finally {
        await ctx.close().catch(() => {});
      }
    },
    close: () => browser.close(),
  };
}

interface Gathered {
  relays: { protocol: string; address: string }[];
  errors: { code: number; text: string; url: string }[];
  complete: boolean;
}

/** What Chrome's gathering says of one TURN server: a relay candidate of the protocol, or its own error. */
export function relayVerdict(g: Gathered, protocol: RelayAttempt['protocol']): ChromeResult {
  const detail = `relays: ${g.relays.map((r) => `${r.protocol} ${r.address}`).join(', ') || 'none'}; errors: ${g.errors.map((e) => `${e.code} ${e.text}`).join(', ') || 'none'}; gathering ${g.complete ? 'complete' : 'unfinished'}`;
  if (g.relays.some((r) => r.protocol === protocol)) return { outcome: 'works', error: `relay ${protocol}`, detail };
  const first = g.errors[0];
  return { outcome: 'fails', error: first ? `ice ${first.code}` : 'no relay candidate', detail };
}

/**
 * Runs in the page (plain JavaScript, the page's own globals): one relay-only RTCPeerConnection per
 * server, all at once, each until its gathering completes or the time is up. Chrome 156 gives a UDP
 * relay candidate's relayProtocol as null on the icecandidate event (only getStats says "udp"): a
 * later sighting fills an unknown protocol in.
 */
const GATHER_RELAYS = `async ({ servers, timeoutMs }) => Promise.all(servers.map((server) => new Promise((resolve) => {
  const out = { relays: [], errors: [], complete: false };
  const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
  const add = (protocol, address) => {
    const known = out.relays.find((r) => r.address === address);
    if (!known) out.relays.push({ protocol: protocol || '?', address });
    else if (protocol && known.protocol === '?') known.protocol = protocol;
  };
  let done = false;
  const finish = async () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    try {
      (await pc.getStats()).forEach((s) => { if (s.type === 'local-candidate' && s.candidateType === 'relay') add(s.relayProtocol, s.address + ':' + s.port); });
    } catch {}
    pc.close();
    resolve(out);
  };
  const timer = setTimeout(finish, timeoutMs);
  pc.onicecandidate = (e) => { if (e.candidate && / typ relay /.test(e.candidate.candidate)) add(e.candidate.relayProtocol, e.candidate.address + ':' + e.candidate.port); };
  pc.onicecandidateerror = (e) => out.errors.push({ code: e.errorCode, text: e.errorText, url: e.url });
  pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') { out.complete = true; finish(); } };
  pc.createDataChannel('parity');
  pc.createOffer().then((offer) => pc.setLocalDescription(offer));
})))`;
