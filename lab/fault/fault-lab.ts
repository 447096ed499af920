// The fault lab: a "hospital" network namespace where the probe runs and a "platform" namespace
// with the servers a telemedicine platform exposes, each on its own address and documented port:
// the HTTPS portal (443), coturn (3478 UDP/TCP, TURN/TLS on 443), Janus (its ICE media ports from
// 10000/UDP, as a WebRTC media server binds them: per session),
// OpenSSL's OCSP responder (80) and the CA issuers URL, the lab DNS server (53), an NTP server
// (123), the hospital's NTLM-only proxy and a TLS-intercepting middlebox. A named fault profile
// (lab/fault/profiles/) is applied in the hospital namespace with nftables and tc tbf.
// Root only: everything lives in namespaces this lab creates, and `stop()` removes them.
import { VIGIE_BIN } from '../paths.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { underlay } from '../../runner/config/region-bundle.ts';
import type { CheckResult } from '../../runner/core/contract.ts';
import { startCoturn, type Coturn } from '../coturn.ts';
import { janusSettings, startJanus, type JanusLab } from '../janus.ts';
import { makeFaultPki, type FaultPki } from './fault-pki.ts';
import { createNetLab, type NetLab } from './netns.ts';
import { loadProfile, substitute, type FaultProfile } from './profiles.ts';
import type { PlatformSpec } from './platform-side.ts';
import { labTempDir } from '../temp.ts';

/** Last octet of each platform service's address (the portal is the platform's first address, .1). */
const HOSTS = { WEB_NEW: 5, MEDIA: 10, OCSP: 20, INFRA: 30, PROXY: 40, DPI: 50 } as const;
const ISSUERS_PORT = 8080;
const PROXY_PORT = 3128;
/** On the DPI host: the TLS-only firewall's listener, and a TURN/TLS server whose certificate the probe does not trust. */
const TLS_ONLY_PORT = 8445;
const UNTRUSTED_TURNS_PORT = 8446;
/** On the DPI host: a firewall filtering TLS by server name, whose block list has the portal's name. */
const SNI_FILTER_PORT = 8447;
const TABLE = 'vigie_fault';
/** The lab's names and the address each resolves to (the lab DNS answers these). */
const LAB_NAMES = { 'portail.lab.test': 'WEB', 'visio.lab.test': 'MEDIA', 'ocsp.lab.test': 'OCSP' } as const;

export interface FaultLab {
  dir: string;
  net: NetLab;
  /** `$NAME` → address, as the profiles write them. */
  addresses: Record<string, string>;
  catalogFile: string;
  /** The probe's config under the current profile. */
  configFile: string;
  /** Environment for the probe (the lab TURN secret). */
  env: Record<string, string>;
  profile: string;
  /** Janus's demo pages and room. */
  janus: { pages: string; room: number };
  /** Chromium resolves with the system's resolver, not the probe's: this flag maps the lab names. */
  chromiumResolverRules: string;
  /**
   * Applies a profile, by name ("none" for a healthy network) or given inline (a benchmark's own
   * fault), replacing the previous one; `config` is more probe config, merged over the lab's own
   * and under the profile's.
   */
  apply(profile: string | FaultProfile, config?: Record<string, unknown>): Promise<FaultProfile | undefined>;
  /** argv that runs `vigie ARGS` inside the hospital namespace (with `nodeArgs` for node, as the image's ENTRYPOINT gives). */
  vigie(args: string[], nodeArgs?: readonly string[]): string[];
  /** `vigie check --format json` in the hospital namespace under the current profile. */
  check(extra?: string[]): Promise<{ code: number | null; results: CheckResult[]; stderr: string }>;
  /** Packets the current profile hit: nftables rule counters (drops, redirections) and tbf drops. */
  faultPackets(): number;
  /** Whether a TCP connection over the hospital namespace's loopback works (a firewall leaves it alone). */
  loopbackWorks(): Promise<boolean>;
  stop(): Promise<void>;
}

function catalogYaml(a: Record<string, string>): string {
  return `platform: lab
title: Plateforme du lab (pannes réseau)
operator: Vigie lab
rejects_ntlm_proxy: true
flows:
  - { host: portail.lab.test, ips: [${a.WEB}], port: 443, transport: tcp, direction: out, checks: [dns, tcp, tls], tls_expect: { issuers: [Vigie Lab] }, source: "lab : portail HTTPS" }
  - { host: ocsp.lab.test, ips: [${a.OCSP}], port: 80, transport: tcp, direction: out, checks: [dns], source: "lab : répondeur OCSP de l'autorité (vérifié par ocsp)" }
  - { host: visio.lab.test, ips: [${a.MEDIA}], port: 3478, transport: udp, direction: out, checks: [dns, stun, turn, relay], source: "lab : STUN/TURN UDP" }
  - { host: visio.lab.test, ips: [${a.MEDIA}], port: 3478, transport: tcp, direction: out, checks: [tcp, stun, turn], source: "lab : STUN/TURN TCP" }
  - { host: visio.lab.test, ips: [${a.MEDIA}], port: 443, transport: tcp, direction: out, checks: [tcp, turns, nontls], source: "lab : TURN/TLS sur 443 (TCP, pas seulement HTTPS)" }
  - { host: visio.lab.test, ips: [${a.MEDIA}], port: 10000, transport: udp, direction: out, role: ice-media, checks: [stun], source: "lab : port média ICE 10000/UDP (Janus)" }
  - { host: visio.lab.test, ips: [${a.MEDIA}], port: "10000-10009", transport: udp, direction: out, role: ice-media, checks: [dns], source: "lab : plage ICE de Janus (une par appel), prouvée par le média des appels" }
urls:
  - { url: "https://portail.lab.test/", checks: [http], source: "lab : portail" }
`;
}

function baseConfig(a: Record<string, string>): Record<string, unknown> {
  return {
    site: { establishment: 'lab-hopital', name: 'Hôpital du lab', region: 'lab' },
    dns: { servers: [a.INFRA] },
    clock: { server: a.INFRA, port: 123 },
    trust: { extra_ca_files: ['pki/platform/ca.pem'] },
    jitter: '0s',
    credentials: { turn: { secret: { env: 'VIGIE_LAB_TURN_SECRET' } } },
    // By name for the probe's checks; by address for Chromium, which the demo points at the address.
    service_credentials: { 'visio.lab.test': 'turn', [a.MEDIA!]: 'turn' },
    checks: {
      tcp: { timeout: '3s' },
      tls: { timeout: '4s' },
      ocsp: { timeout: '4s' },
      http: { timeout: '5s' },
      proxy: { timeout: '4s' },
      relay: { timeout: '10s' },
    },
  };
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

function stopChild(c: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!c || exited(c)) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 2000).unref();
  });
}

export interface FaultLabOptions {
  /** Working directory (kept); default a temporary one, removed by stop(). */
  dir?: string;
  /**
   * Janus's ICE port range (default 10000-10009: one port per PeerConnection, from a random start
   * as libnice picks it); "10000-10000" pins a single call's media to the documented port.
   */
  janusRtpPorts?: string;
}

const JANUS_API_PORT = 8089;
const JANUS_PAGES_PORT = 8088;

export async function startFaultLab(opts: FaultLabOptions = {}): Promise<FaultLab> {
  const dir = opts.dir ?? labTempDir('vigie-faultlab-');
  mkdirSync(dir, { recursive: true });
  const net = createNetLab({ extraPlatformHosts: Object.values(HOSTS) });
  const addresses: Record<string, string> = { WEB: net.platformIp, ...Object.fromEntries(Object.entries(HOSTS).map(([k, h]) => [k, net.platformAddress(h)])) };
  const a = addresses;
  const children: ChildProcess[] = [];
  const coturns: Coturn[] = [];
  let janus: JanusLab | undefined;
  let platformSide: ChildProcess | undefined;
  const stop = async () => {
    await stopChild(platformSide);
    await Promise.all([...children.map(stopChild), ...coturns.map((c) => c.stop()), janus?.stop()]);
    net.destroy();
  };
  try {
    const pki: FaultPki = makeFaultPki(join(dir, 'pki'), a.OCSP!, ISSUERS_PORT);
    const secret = randomBytes(16).toString('hex');
    // coturn as the platform runs it (3478 UDP/TCP, TURN/TLS on 443).
    coturns.push(await startCoturn(pki.platform, { secret }, { netns: net.platform, ip: a.MEDIA, ports: { port: 3478, tlsPort: 443 } }));
    // The same coturn with a certificate from a root the probe does not trust (the turns-untrusted profile leads 443 there).
    coturns.push(await startCoturn(pki.intercepted, { secret }, { netns: net.platform, ip: a.DPI, ports: { port: 3479, tlsPort: UNTRUSTED_TURNS_PORT } }));
    // openssl ocsp serves one connection at a time and never gives up on one that sends nothing,
    // so nothing in the lab may connect to it without asking (no bare `tcp` check on it).
    const ocspArgs = ['ocsp', '-index', 'index.txt', '-port', '80', '-rsigner', 'ca.pem', '-rkey', 'ca.key', '-CA', 'ca.pem', '-nmin', '60', '-ignore_err'];
    children.push(spawn('ip', ['netns', 'exec', net.platform, 'openssl', ...ocspArgs], { cwd: pki.dir, stdio: 'ignore' }));

    // The platform's WebRTC media server: its ICE ports are the documented 10000/UDP.
    const ready = async () => (await net.runAsync(net.hospital, 'bash', ['-c', `exec 3<>/dev/tcp/${a.MEDIA}/${JANUS_API_PORT}`])).code === 0;
    janus = await startJanus({
      inNamespace: { netns: net.platform, iceOn: a.MEDIA!, apiPort: JANUS_API_PORT, pagesUrl: `https://visio.lab.test:${JANUS_PAGES_PORT}`, cert: pki.platform, rtpPorts: opts.janusRtpPorts ?? '10000-10009', ready },
    });
    const janusLab = janus;
    const catalogFile = join(dir, 'lab-catalog.yaml');
    const configFile = join(dir, 'vigie.yaml');
    writeFileSync(catalogFile, catalogYaml(a));

    const startPlatformSide = async (profile: FaultProfile | undefined) => {
      await stopChild(platformSide);
      const spec: PlatformSpec = {
        web: [a.WEB!, a.WEB_NEW!],
        webCert: pki.platform,
        ...(profile?.lab?.portal_chain ? { portalCert: { 'duplicated-leaf': pki.duplicatedLeaf, 'out-of-order': pki.outOfOrder, 'missing-intermediate': pki.missingIntermediate }[profile.lab.portal_chain] } : {}),
        issuers: { host: a.OCSP!, port: ISSUERS_PORT, derFile: pki.caDerFile, issuingDerFile: pki.issuingDerFile },
        dns: {
          host: a.INFRA!,
          // A drift moves the portal: the DNS answers its new address, the catalog still documents the old.
          zone: Object.fromEntries(Object.entries(LAB_NAMES).map(([name, k]) => [name, { A: [k === 'WEB' && profile?.lab?.dns_drift ? a.WEB_NEW! : a[k]!] }])),
          ...(profile?.lab?.dns_delay_ms ? { delayMs: profile.lab.dns_delay_ms } : {}),
        },
        tlsOnly: { host: a.DPI!, port: TLS_ONLY_PORT, upstream: a.MEDIA!, upstreamPort: 443 },
        sniFilter: { host: a.DPI!, port: SNI_FILTER_PORT, upstream: a.WEB!, block: ['portail.lab.test'] },
        ntp: { host: a.INFRA!, skewSeconds: profile?.lab?.clock_skew_seconds ?? 0 },
        proxy: { host: a.PROXY!, port: PROXY_PORT },
        dpi: {
          host: a.DPI!,
          cert: pki.intercepted,
          routes: [
            { port: 8443, upstream: a.WEB!, upstreamPort: 443 },
            { port: 8444, upstream: a.MEDIA!, upstreamPort: 443 },
          ],
        },
        janusPages: { host: a.MEDIA!, port: JANUS_PAGES_PORT, settings: janusSettings(janusLab.api) },
      };
      const specFile = join(dir, 'platform-spec.json');
      writeFileSync(specFile, JSON.stringify(spec));
      const child = spawn('ip', ['netns', 'exec', net.platform, process.execPath, join(import.meta.dirname, 'platform-side.ts'), specFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      platformSide = child;
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 15_000;
      while (!out.includes('ready')) {
        if (exited(child) || Date.now() > deadline) throw new Error(`the lab's platform side did not start: ${out.slice(-800)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const nftIn = (script: string) => net.run(net.hospital, 'nft', ['-f', '-'], script);
    const clearFaults = () => {
      try {
        net.run(net.hospital, 'nft', ['delete', 'table', 'inet', TABLE]);
      } catch {}
      for (const [ns, dev] of [[net.hospital, net.hospitalIf], [net.platform, net.platformIf]] as const) {
        try {
          net.run(ns, 'tc', ['qdisc', 'del', 'dev', dev, 'root']);
        } catch {}
      }
    };

    const lab: FaultLab = {
      dir,
      net,
      addresses,
      catalogFile,
      configFile,
      env: { VIGIE_LAB_TURN_SECRET: secret },
      janus: { pages: janusLab.demos, room: janusLab.room },
      chromiumResolverRules: `--host-resolver-rules=${Object.entries(LAB_NAMES).map(([n, k]) => `MAP ${n} ${a[k]}`).join(', ')}`,
      profile: 'none',
      async apply(which, config = {}) {
        const profile = typeof which !== 'string' ? which : which === 'none' ? undefined : loadProfile(which);
        clearFaults();
        await startPlatformSide(profile);
        const overlay = profile?.config ? (parse(substitute(profile.config, a)) as Record<string, unknown>) : {};
        writeFileSync(configFile, stringify(underlay(underlay(baseConfig(a), config), overlay)));
        if (profile?.filter || profile?.filter_in || profile?.nat) {
          const rules = (text: string | undefined) => substitute(text ?? '', a).trim().split('\n').map((l) => `    ${l.trim()}`).join('\n');
          nftIn(`table inet ${TABLE} {
  chain out {
    type filter hook output priority 0; policy accept;
    # A hospital firewall filters what leaves the host, never its loopback (the probe's own status page).
    oifname "lo" accept
${rules(profile.filter)}
  }
  chain in {
    type filter hook input priority 0; policy accept;
    iifname "lo" accept
${rules(profile.filter_in)}
  }
  chain nat_out {
    type nat hook output priority -100; policy accept;
${rules(profile.nat)}
  }
}
`);
        }
        if (profile?.rate) {
          for (const [ns, dev] of [[net.hospital, net.hospitalIf], [net.platform, net.platformIf]] as const) net.run(ns, 'tc', ['qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', profile.rate, 'burst', '16kb', 'latency', '50ms']);
        }
        lab.profile = profile?.name ?? 'none';
        return profile;
      },
      vigie: (args, nodeArgs = []) => ['ip', 'netns', 'exec', net.hospital, process.execPath, ...nodeArgs, VIGIE_BIN, ...args],
      async check(extra = []) {
        const args = [VIGIE_BIN, 'check', '--config', configFile, '--catalog', catalogFile, '--format', 'json', ...extra];
        const { code, stdout, stderr } = await net.runAsync(net.hospital, process.execPath, args, { cwd: dir, env: { ...process.env, ...lab.env } });
        try {
          return { code, results: (JSON.parse(stdout) as { results: CheckResult[] }).results, stderr };
        } catch {
          throw new Error(`vigie check (exit ${code}) printed no JSON: ${stderr.slice(-1500)}`);
        }
      },
      faultPackets() {
        const read = (ns: string, cmd: string, args: string[]) => {
          try {
            return net.run(ns, cmd, args);
          } catch {
            return '';
          }
        };
        const sum = (text: string, re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
        const tbf = [read(net.hospital, 'tc', ['-s', 'qdisc', 'show', 'dev', net.hospitalIf]), read(net.platform, 'tc', ['-s', 'qdisc', 'show', 'dev', net.platformIf])].join('\n');
        return sum(read(net.hospital, 'nft', ['list', 'table', 'inet', TABLE]), /counter packets (\d+)/g) + sum(tbf, /dropped (\d+)/g);
      },
      async loopbackWorks() {
        const script = "const s=require('net').createServer(c=>c.end()).listen(0,'127.0.0.1',()=>{const c=require('net').connect(s.address().port,'127.0.0.1',()=>process.exit(0));c.on('error',()=>process.exit(1))});setTimeout(()=>process.exit(2),2000)";
        return (await net.runAsync(net.hospital, process.execPath, ['-e', script])).code === 0;
      },
      stop: async () => {
        clearFaults();
        await stop();
        if (!opts.dir) rmSync(dir, { recursive: true, force: true });
      },
    };
    // The responder is ready when it answers an OCSP request from the hospital side.
    for (let i = 0; ; i++) {
      const r = await net.runAsync(net.hospital, 'timeout', ['3', 'openssl', 'ocsp', '-issuer', join(pki.dir, 'ca.pem'), '-cert', join(pki.dir, 'platform.pem'), '-url', `http://${a.OCSP}/`, '-noverify']);
      if (r.code === 0) break;
      if (i > 50) throw new Error('openssl ocsp did not start in the platform namespace');
      await new Promise((res) => setTimeout(res, 100));
    }
    await lab.apply('none');
    return lab;
  } catch (e) {
    await stop();
    throw e;
  }
}
