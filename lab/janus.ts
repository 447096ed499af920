// Janus (Debian) with a config directory of the project's own: HTTP API on loopback, ICE on
// loopback only, one VideoRoom room whose bitrate allows 720p. The stock demo pages
// (/usr/share/janus/demos, janus-demos) are served by a small static server; only settings.js is
// replaced so the pages talk to this instance. The pages are otherwise as Debian ships them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import { closedPort, startHttpOn, type Closable } from './servers.ts';
import type { LabCert } from './pki.ts';
import { killAtExit, labTempDir } from './temp.ts';

export const JANUS_DEMOS = '/usr/share/janus/demos';
const LIB = '/usr/lib/x86_64-linux-gnu/janus';

export interface JanusLab {
  /** Janus HTTP API, e.g. http://127.0.0.1:PORT/janus */
  api: string;
  /** Base URL of the demo pages. */
  demos: string;
  room: number;
  /** A room that does not exist (joining it fails). */
  missingRoom: number;
  /** Janus's recordings of what it received (`.mjr`, with `record: true`). */
  recordings(): string[];
  /** Every handle's `handle_info` from the admin API (loopback lab only). */
  handles(): Promise<Record<string, unknown>[]>;
  /** Display names of the room's participants, from Janus's own API (listparticipants). */
  participants(): Promise<string[]>;
  log(): string;
  stop(): Promise<void>;
}

async function janusRequest(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2) }) });
  return (await res.json()) as Record<string, unknown>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.map': 'application/json' };

/** The stock demo pages, with `settings` as settings.js (the one place they learn the server's URL). */
export function staticDemos(settings: string): http.RequestListener {
  return (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://lab').pathname)).replace(/^(\.\.[/\\])+/, '');
    if (path === '/settings.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(settings);
    const file = join(JANUS_DEMOS, path);
    if (!file.startsWith(JANUS_DEMOS) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  };
}

/** settings.js for the demo pages: the API they talk to, no ICE servers of their own. */
export const janusSettings = (api: string): string => `var server = "${api}";\nvar iceServers = null;\n`;

/** Where Janus runs inside a lab namespace: its API over TLS on `apiPort`, ICE on `iceOn` only. */
export interface JanusInNamespace {
  netns: string;
  /** Interface or address ICE gathers on (one address, as a media server announces one). */
  iceOn: string;
  apiPort: number;
  /** Where the lab serves the demo pages (its platform side), e.g. https://visio.lab.test:8088 */
  pagesUrl: string;
  cert: LabCert;
  /** Janus's ICE (RTP) port range, e.g. "10000-10009": the platform's documented media port. */
  rtpPorts: string;
  /** Resolves true once the API accepts connections (asked from inside the lab). */
  ready(): Promise<boolean>;
  /**
   * ICE-lite with ICE-TCP (janus.jcfg `ice_lite`, `ice_tcp`): the shape of LiveSwitch-class media
   * servers, which answer on a TCP port as well as UDP. Default: full ICE (libnice), UDP only.
   */
  iceLite?: boolean;
  /** The echo test plugin too (a call that needs no room: what the browser sends comes back). */
  echotest?: boolean;
  /** The host name its API is reached at (its certificate names it); default visio.lab.test. */
  apiHost?: string;
}

/**
 * Janus on loopback with the demo pages served from here, or (`inNamespace`) inside a lab
 * namespace, where the pages are served by the lab's platform side (`janusSettings(api)` gives
 * their settings.js) and only `stop()` and `log()` are meant to be used from here.
 */
export async function startJanus(opts: { bitrate?: number; room?: number; inNamespace?: JanusInNamespace; record?: boolean } = {}): Promise<JanusLab> {
  const room = opts.room ?? 1234;
  const ns = opts.inNamespace;
  const dir = labTempDir('vigie-janus-');
  const [apiPort, pagePort, adminPort] = ns ? [ns.apiPort, 0, 0] : [await closedPort(), await closedPort(), await closedPort()];
  // The admin API (loopback lab only) says what Janus itself received: the benchmarks compare it with the probe's figures.
  const adminSecret = randomBytes(12).toString('hex');
  if (ns) {
    writeFileSync(join(dir, 'cert.pem'), ns.cert.chain);
    writeFileSync(join(dir, 'key.pem'), ns.cert.key);
  }
  // RTP ports from a range unlikely to collide with coturn's (50000-59999) in the same test run.
  const rtpBase = 20000 + (process.pid % 200) * 50;
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  debug_level = 4
  admin_secret = "${adminSecret}"
  log_to_stdout = true
}
media: { rtp_port_range = "${ns?.rtpPorts ?? `${rtpBase}-${rtpBase + 49}`}" }
nat: { ice_enforce_list = "${ns?.iceOn ?? 'lo'}" ignore_mdns = true${ns?.iceLite ? ' ice_lite = true ice_tcp = true' : ''} }
plugins: { disable = "libjanus_audiobridge.so,libjanus_duktape.so,${ns?.echotest ? '' : 'libjanus_echotest.so,'}libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so" }
transports: { disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so" }
events: { broadcast = false }
loggers: { disable = "libjanus_jsonlog.so" }
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    ns
      ? `general: { json = "compact" base_path = "/janus" http = false https = true secure_port = ${apiPort} }
certificates: { cert_pem = "${join(dir, 'cert.pem')}" cert_key = "${join(dir, 'key.pem')}" }
admin: { admin_http = false admin_https = false }
cors: { }
`
      : `general: { json = "compact" base_path = "/janus" http = true port = ${apiPort} ip = "127.0.0.1" https = false }
admin: { admin_base_path = "/admin" admin_http = true admin_port = ${adminPort} admin_ip = "127.0.0.1" admin_https = false }
cors: { }
`,
  );
  // A room that allows 720p: 2.5 Mb/s (the stock demo room caps video at 128 kb/s).
  writeFileSync(
    join(dir, 'janus.plugin.videoroom.jcfg'),
    `general: { }
room-${room}: {
  description = "Vigie lab room"
  publishers = 6
  bitrate = ${opts.bitrate ?? 2500000}
  bitrate_cap = true
  fir_freq = 10
  videocodec = "vp8"
  audiocodec = "opus"
  record = ${opts.record ? `true
  rec_dir = "${join(dir, 'rec')}"` : 'false'}
}
`,
  );
  if (opts.record) mkdirSync(join(dir, 'rec'));
  const argv = ['janus', '-F', dir, '-C', join(dir, 'janus.jcfg')];
  const child: ChildProcess = killAtExit(ns ? spawn('ip', ['netns', 'exec', ns.netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
  let log = '';
  const keep = (d: Buffer) => {
    log += d.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const api = ns ? `https://${ns.apiHost ?? 'visio.lab.test'}:${apiPort}/janus` : `http://127.0.0.1:${apiPort}/janus`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`janus exited: ${log.slice(-1500)}`);
    const ok = ns ? await ns.ready() : await fetch(`${api}/info`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`janus did not answer on ${api}: ${log.slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pages: Closable = ns ? { port: 0, close: async () => {} } : await startHttpOn(pagePort, staticDemos(janusSettings(api)));
  return {
    api,
    demos: ns ? ns.pagesUrl : `http://127.0.0.1:${pages.port}`,
    room,
    missingRoom: room + 1,
    participants: async () => {
      const session = ((await janusRequest(api, { janus: 'create' })).data as { id: number }).id;
      const handle = ((await janusRequest(`${api}/${session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' })).data as { id: number }).id;
      const answer = await janusRequest(`${api}/${session}/${handle}`, { janus: 'message', body: { request: 'listparticipants', room } });
      await janusRequest(`${api}/${session}`, { janus: 'destroy' });
      const data = (answer.plugindata as { data: { participants?: { display?: string }[] } }).data;
      return (data.participants ?? []).map((p) => p.display ?? '');
    },
    recordings: () => (existsSync(join(dir, 'rec')) ? readdirSync(join(dir, 'rec')).filter((f) => f.endsWith('.mjr')).map((f) => join(dir, 'rec', f)) : []),
    handles: async () => {
      const admin = `http://127.0.0.1:${adminPort}/admin`;
      const ask = (url: string, body: Record<string, unknown>) => janusRequest(url, { ...body, admin_secret: adminSecret });
      const out: Record<string, unknown>[] = [];
      for (const session of ((await ask(admin, { janus: 'list_sessions' })).sessions as number[]) ?? []) {
        for (const handle of ((await ask(`${admin}/${session}`, { janus: 'list_handles' })).handles as number[]) ?? []) {
          out.push((await ask(`${admin}/${session}/${handle}`, { janus: 'handle_info' })).info as Record<string, unknown>);
        }
      }
      return out;
    },
    log: () => log,
    stop: async () => {
      await pages.close();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
