// Middleboxes seen in hospital networks, between Chromium and the probe in the hospital namespace
// and nginx in the platform namespace: TLS inspection with the establishment's root (deployed on the
// workstations, or not), a firewall filtering by server name, a firewall that breaks on the large
// hello current browsers send, a path-MTU black hole, and the explicit proxy (squid) as the only way
// out on 443. Each cell's rules match its own address only, so all run at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAtExit } from '../temp.ts';
import type { ChromeResult, ParityCell } from './cell.ts';
import { makePkiDir } from './cert-pki.ts';
import { catalogYaml, inBatches, PARITY_CONFIG, type GroupRun } from './group.ts';
import type { MiddleboxSpec } from './middlebox-side.ts';
import { startNginx, type NginxTls } from './nginx.ts';
import type { ParityLab } from './parity-lab.ts';
import { startSquid } from './squid.ts';

type Via = 'inspect-trusted' | 'inspect-untrusted' | 'sni-allow' | 'sni-deny' | 'hello-size' | 'mtu' | 'proxy' | 'proxy-deny';

export type MiddleboxCell = ParityCell & { via: Via };

const both = (status: ParityCell['probe'][number]['status'], reason: ParityCell['probe'][number]['reason']): ParityCell['probe'] => [
  { kind: 'tls', status, reason },
  { kind: 'http', status, reason },
];

function cell(id: string, behaviour: string, by: string, chrome: ChromeResult, probe: ParityCell['probe'], via: Via): MiddleboxCell {
  return { id, group: 'middlebox', behaviour, by, chrome, probe, via };
}

export const MIDDLEBOX_CELLS: MiddleboxCell[] = [
  cell(
    'inspection-trusted',
    "TLS inspection re-signing with the establishment's root, deployed on the workstations",
    'inspecting proxy (Node, transparent) + nftables',
    { outcome: 'works', error: '200' },
    [
      { kind: 'tls', status: 'degraded', reason: 'tls_intercepted' },
      { kind: 'http', status: 'ok', reason: 'ok' },
    ],
    'inspect-trusted',
  ),
  cell(
    'inspection-untrusted',
    "TLS inspection re-signing with the appliance's own root, not deployed",
    'inspecting proxy (Node, transparent) + nftables',
    { outcome: 'fails', error: 'ERR_CERT_AUTHORITY_INVALID' },
    [
      { kind: 'tls', status: 'failed', reason: 'tls_intercepted' },
      { kind: 'http', status: 'failed', reason: 'tls_untrusted' },
    ],
    'inspect-untrusted',
  ),
  cell('sni-allowed', "a firewall filtering by server name (SNI, a block list) that lets the platform's through", 'SNI filter (Node, transparent) + nftables', { outcome: 'works', error: '200' }, both('ok', 'ok'), 'sni-allow'),
  cell('sni-blocked', "a firewall filtering by server name (SNI, a block list) that blocks the platform's (reset)", 'SNI filter (Node, transparent) + nftables', { outcome: 'fails', error: 'ERR_CONNECTION_RESET' }, both('failed', 'tls_sni_filtered'), 'sni-deny'),
  cell(
    'hello-too-large',
    'a firewall that resets TLS handshakes whose ClientHello does not fit one packet (post-quantum key share)',
    'nftables (payload match on the ClientHello length)',
    { outcome: 'fails', error: 'ERR_CONNECTION_RESET' },
    both('failed', 'tls_hello_rejected'),
    'hello-size',
  ),
  cell('mtu-black-hole', 'a path-MTU black hole: packets above 1280 bytes from the server are dropped, no ICMP', 'nftables (length match, drop)', { outcome: 'fails', error: 'ERR_TIMED_OUT' }, both('failed', 'tls_handshake_timeout'), 'mtu'),
  cell('proxy-only', 'direct 443 dropped; the explicit proxy is the only way out', 'squid + nftables', { outcome: 'works', error: '200' }, both('ok', 'ok'), 'proxy'),
  cell('proxy-denied', "direct 443 dropped; the proxy's policy denies the platform", 'squid (deny acl) + nftables', { outcome: 'fails', error: 'ERR_TUNNEL_CONNECTION_FAILED' }, both('failed', 'proxy_denied'), 'proxy-deny'),
];

const PORTS: Partial<Record<Via, number>> = { 'inspect-trusted': 8441, 'inspect-untrusted': 8442, 'sni-allow': 8451, 'sni-deny': 8452 };
const PROXY_PORT = 3128;

export async function startMiddleboxGroup(lab: ParityLab, cells: readonly MiddleboxCell[] = MIDDLEBOX_CELLS): Promise<GroupRun> {
  const pkiDir = join(lab.dir, 'pki');
  const pki = makePkiDir(pkiDir);
  const root = pki.root('root', { cn: 'Vigie Parity Root CA' });
  const inter = pki.under(root, 'inter', { cn: 'Vigie Parity Issuing CA' });
  const hospital = pki.root('hospital', { cn: 'CHU Exemple Proxy Root CA' });
  const appliance = pki.root('appliance', { cn: 'Appliance Default CA' });
  const mbox = lab.ip('mbox');
  const servers: NginxTls[] = [];
  const spec: MiddleboxSpec = { host: mbox, inspect: [], sniFilter: [] };
  const nat: string[] = [];
  const out: string[] = [];
  const inbound: string[] = [];
  for (const c of cells) {
    const host = lab.host(c.id);
    const ip = lab.ip(c.id);
    const leaf = inter.issue(`leaf-${c.id}`, { cn: host });
    servers.push({ listen: `${ip}:443`, serverName: host, chain: leaf.pem + inter.cert.pem, key: leaf.key });
    const port = PORTS[c.via];
    if (c.via === 'inspect-trusted' || c.via === 'inspect-untrusted') {
      const resigned = (c.via === 'inspect-trusted' ? hospital : appliance).issue(`resigned-${c.id}`, { cn: host });
      spec.inspect.push({ port: port!, upstream: ip, cert: { chain: resigned.pem, key: resigned.key } });
    }
    if (c.via === 'sni-allow' || c.via === 'sni-deny') spec.sniFilter.push({ port: port!, upstream: ip, block: c.via === 'sni-deny' ? [host] : ['blocked.other.test'] });
    if (port) nat.push(`ip daddr ${ip} tcp dport 443 counter dnat ip to ${mbox}:${port}`);
    // A hello record longer than one packet's payload: the box cannot read it and resets.
    if (c.via === 'hello-size') out.push(`ip daddr ${ip} tcp dport 443 @ih,0,8 0x16 @ih,24,16 > 1400 counter reject with tcp reset`);
    if (c.via === 'mtu') inbound.push(`ip saddr ${ip} meta length > 1280 counter drop`);
    if (c.via === 'proxy' || c.via === 'proxy-deny') out.push(`ip daddr ${ip} tcp dport 443 counter drop`);
  }
  const nginx = await startNginx(lab.net.platform, join(lab.dir, 'nginx'), servers);
  const specFile = join(lab.dir, 'middlebox.json');
  writeFileSync(specFile, JSON.stringify(spec));
  const side: ChildProcess = killAtExit(spawn('ip', ['netns', 'exec', lab.net.platform, process.execPath, join(import.meta.dirname, 'middlebox-side.ts'), specFile], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let said = '';
  side.stdout!.on('data', (d: Buffer) => (said += d.toString()));
  side.stderr!.on('data', (d: Buffer) => (said += d.toString()));
  for (const end = Date.now() + 15_000; !said.includes('ready'); ) {
    if (side.exitCode !== null || Date.now() > end) throw new Error(`the middleboxes did not start: ${said.slice(-800)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const proxied = cells.filter((c) => c.via === 'proxy' || c.via === 'proxy-deny');
  const squid = await startSquid(lab.net.platform, lab.ip('proxy'), PROXY_PORT, cells.filter((c) => c.via === 'proxy-deny').map((c) => lab.host(c.id)));
  lab.net.run(
    lab.net.hospital,
    'nft',
    ['-f', '-'],
    `table inet parity_mbox {
  chain out { type filter hook output priority 0; policy accept;
    oifname "lo" accept
${out.map((l) => `    ${l}`).join('\n')}
  }
  chain in { type filter hook input priority 0; policy accept;
${inbound.map((l) => `    ${l}`).join('\n')}
  }
  chain nat_out { type nat hook output priority -100; policy accept;
${nat.map((l) => `    ${l}`).join('\n')}
  }
}
`,
  );
  const flows = cells.map((c) => {
    const expect = c.via.startsWith('inspect') ? ', tls_expect: { issuers: [Vigie Parity Issuing CA] }' : '';
    return `  - { host: ${lab.host(c.id)}, ips: [${lab.ip(c.id)}], port: 443, transport: tcp, direction: out, checks: [tls]${expect}, source: "parity: ${c.id}" }`;
  });
  const urls = cells.map((c) => `  - { url: "https://${lab.host(c.id)}/", checks: [http], source: "parity: ${c.id}" }`);
  const rootFiles = [root, hospital].map((r) => join(pkiDir, `${r.cert.name}.pem`));
  return {
    catalog: catalogYaml('parity-middlebox', flows, urls),
    // The proxy only for the proxy cells: the others go direct, as a PAC file or NO_PROXY would say.
    config: { ...PARITY_CONFIG, trust: { extra_ca_files: rootFiles }, proxy: { url: squid.url, no_proxy: cells.filter((c) => !proxied.includes(c)).map((c) => lab.host(c.id)) }, checks: { tls: { timeout: '6s' }, http: { timeout: '8s' } } },
    roots: [root.cert.pem, hospital.cert.pem],
    async chrome(browser) {
      const results = new Map<string, ChromeResult>();
      await inBatches(cells, 4, async (c) => {
        const proxy = proxied.includes(c) ? squid.url : undefined;
        // A black hole stalls the handshake: Chrome's own SSL handshake timeout (30 s) gives its error.
        results.set(c.id, await browser.page(`https://${lab.host(c.id)}/`, { ...(proxy ? { proxy } : {}), timeoutMs: c.via === 'mtu' ? 45_000 : 15_000 }));
      });
      return results;
    },
    async stop() {
      try {
        lab.net.run(lab.net.hospital, 'nft', ['delete', 'table', 'inet', 'parity_mbox']);
      } catch {}
      side.kill('SIGTERM');
      await Promise.all([nginx.stop(), squid.stop()]);
    },
  };
}
