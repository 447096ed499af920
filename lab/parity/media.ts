// Media servers of two families, each on its own address in the platform namespace with its media
// on one documented port: Janus with full ICE (libnice, UDP), and Janus as an ICE-lite server with
// ICE-TCP, the shape of the LiveSwitch-class servers behind Covotem's and Therap-e's UDP and
// "TCP (pas HTTPS)" rows. Chromium makes a real call to each (Janus's echo test: its camera's media
// comes back), the hospital firewall blocks what a cell says, and the probe checks the media ports
// while the calls are up, as the catalog rows ask (stun on the UDP port, tcp and nontls on the TCP one).
import { join } from 'node:path';
import type { CheckResult } from '../../runner/core/contract.ts';
import { startJanus, type JanusLab } from '../janus.ts';
import type { ChromeResult, ParityCell } from './cell.ts';
import { makePkiDir } from './cert-pki.ts';
import type { ParityChrome } from './chrome.ts';
import { catalogYaml, PARITY_CONFIG, type GroupRun } from './group.ts';
import type { ParityLab } from './parity-lab.ts';

export type MediaCell = ParityCell & { server: { iceLite: boolean }; block: 'none' | 'udp' | 'udp+tcp' };

/** The media port of every cell's server (one call at a time: one port, as the documents list it). */
const MEDIA_PORT = 10000;
/** Each server's API on a port of its own (Janus's HTTP transport binds every address). */
const apiPort = (i: number): number => 8089 + i;

function cell(id: string, behaviour: string, by: string, chrome: ChromeResult, probe: ParityCell['probe'], server: MediaCell['server'], block: MediaCell['block']): MediaCell {
  return { id, group: 'media', behaviour, by, chrome, probe, server, block };
}

export const MEDIA_CELLS: MediaCell[] = [
  cell('janus-full-ice', 'full-ICE media server (libnice), media on 10000/UDP', 'Janus (full ICE)', { outcome: 'works', error: 'media over udp' }, [{ kind: 'stun', status: 'ok', reason: 'ok' }], { iceLite: false }, 'none'),
  cell(
    'ice-lite-udp',
    'ICE-lite media server with ICE-TCP, media on 10000/UDP',
    'Janus (ice_lite, ice_tcp)',
    { outcome: 'works', error: 'media over udp' },
    [
      { kind: 'stun', status: 'ok', reason: 'ok' },
      { kind: 'tcp', status: 'ok', reason: 'ok' },
      { kind: 'nontls', status: 'ok', reason: 'ok' },
    ],
    { iceLite: true },
    'none',
  ),
  cell(
    'ice-lite-tcp-only',
    'ICE-lite media server with ICE-TCP, the hospital drops UDP to it: media falls back to 10000/TCP',
    'Janus (ice_lite, ice_tcp) + nftables',
    { outcome: 'works', error: 'media over tcp' },
    [
      { kind: 'stun', status: 'unproven', reason: 'ice_port_unproven' },
      { kind: 'tcp', status: 'ok', reason: 'ok' },
      { kind: 'nontls', status: 'ok', reason: 'ok' },
    ],
    { iceLite: true },
    'udp',
  ),
  cell(
    'ice-lite-blocked',
    'ICE-lite media server with ICE-TCP, the hospital drops UDP and TCP to its media port',
    'Janus (ice_lite, ice_tcp) + nftables',
    { outcome: 'fails', error: 'no media' },
    [
      { kind: 'tcp', status: 'failed', reason: 'timeout' },
      { kind: 'nontls', status: 'failed', reason: 'timeout' },
    ],
    { iceLite: true },
    'udp+tcp',
  ),
];

/** In the page: a call through Janus's echo test over its HTTP API, until media comes back or the time is up. */
const ECHO_CALL = `async ({ api, timeoutMs }) => {
  const post = async (url, body) => (await fetch(url, { method: 'POST', body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2) }) })).json();
  const session = (await post(api, { janus: 'create' })).data.id;
  const handle = (await post(api + '/' + session, { janus: 'attach', plugin: 'janus.plugin.echotest' })).data.id;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.__call = pc;
  for (const t of stream.getTracks()) pc.addTrack(t, stream);
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 3000); });
  await post(api + '/' + session + '/' + handle, { janus: 'message', body: { audio: true, video: true }, jsep: { type: 'offer', sdp: pc.localDescription.sdp } });
  let answer;
  for (let i = 0; i < 20 && !answer; i++) {
    const ev = await (await fetch(api + '/' + session + '?maxev=1&rid=' + Date.now())).json();
    if (ev.jsep) answer = ev.jsep;
  }
  if (!answer) return { media: false, detail: 'no answer from Janus' };
  await pc.setRemoteDescription(answer);
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 500));
    const stats = await pc.getStats();
    let frames = 0, pair, local;
    stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded || 0; if (s.type === 'transport') pair = s.selectedCandidatePairId; });
    if (pair) { const p = stats.get(pair); local = p && stats.get(p.localCandidateId); }
    if (frames > 10) return { media: true, protocol: local ? local.protocol : '?', detail: frames + ' frames decoded, ICE ' + pc.iceConnectionState };
  }
  return { media: false, detail: 'ICE ' + pc.iceConnectionState + ', no decoded frames in ' + timeoutMs + ' ms' };
}`;

export async function startMediaGroup(lab: ParityLab, cells: readonly MediaCell[] = MEDIA_CELLS): Promise<GroupRun> {
  const pki = makePkiDir(join(lab.dir, 'pki'));
  const root = pki.root('root', { cn: 'Vigie Parity Root CA' });
  const januses: JanusLab[] = [];
  const drops: string[] = [];
  try {
    for (const [i, c] of cells.entries()) {
      const host = lab.host(c.id);
      const ip = lab.ip(c.id);
      const leaf = root.issue(`janus-${c.id}`, { cn: host });
      const ready = async () => (await lab.net.runAsync(lab.net.hospital, 'bash', ['-c', `exec 3<>/dev/tcp/${ip}/${apiPort(i)}`])).code === 0;
      januses.push(
        await startJanus({
          inNamespace: { netns: lab.net.platform, iceOn: ip, apiPort: apiPort(i), apiHost: host, pagesUrl: `https://${host}`, cert: { cert: leaf.pem, key: leaf.key, chain: leaf.pem }, rtpPorts: `${MEDIA_PORT}-${MEDIA_PORT}`, ready, iceLite: c.server.iceLite, echotest: true },
        }),
      );
      if (c.block !== 'none') drops.push(`ip daddr ${ip} udp dport ${MEDIA_PORT} counter drop`);
      if (c.block === 'udp+tcp') drops.push(`ip daddr ${ip} tcp dport ${MEDIA_PORT} counter drop`);
    }
  } catch (e) {
    await Promise.all(januses.map((j) => j.stop()));
    throw e;
  }
  if (drops.length)
    lab.net.run(lab.net.hospital, 'nft', ['-f', '-'], `table inet parity_media {\n  chain out { type filter hook output priority 0; policy accept;\n${drops.map((d) => `    ${d}`).join('\n')}\n  }\n}\n`);
  const rows = cells.flatMap((c) => {
    const kinds = new Set(c.probe.map((p) => p.kind));
    const base = `host: ${lab.host(c.id)}, ips: [${lab.ip(c.id)}], port: ${MEDIA_PORT}, direction: out`;
    return [
      ...(kinds.has('stun') ? [`  - { ${base}, transport: udp, role: ice-media, checks: [stun], source: "parity: ${c.id} (UDP)" }`] : []),
      ...(kinds.has('tcp') || kinds.has('nontls') ? [`  - { ${base}, transport: tcp, checks: [${[...kinds].filter((k) => k !== 'stun').join(', ')}], source: "parity: ${c.id} (TCP, pas HTTPS)" }`] : []),
    ];
  });
  return {
    catalog: catalogYaml('parity-media', rows),
    config: { ...PARITY_CONFIG, checks: { tcp: { timeout: '3s' }, nontls: { timeout: '4s' }, stun: { timeout: '3s' } } },
    roots: [root.cert.pem],
    chromeArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    probeDuringCalls: true,
    async chrome(browser: ParityChrome, probe?: () => Promise<CheckResult[]>) {
      const results = new Map<string, ChromeResult>();
      const contexts = await Promise.all(cells.map(() => browser.context()));
      try {
        const calls = cells.map(async (c, i) => {
          const page = await contexts[i]!.newPage();
          // The page's origin is the media server's own (its API answers there): a secure context.
          await page.goto(`https://${lab.host(c.id)}:${apiPort(i)}/janus/info`);
          const r = (await page.evaluate(`(${ECHO_CALL})(${JSON.stringify({ api: `https://${lab.host(c.id)}:${apiPort(i)}/janus`, timeoutMs: 25_000 })})`)) as { media: boolean; protocol?: string; detail: string };
          results.set(c.id, r.media ? { outcome: 'works', error: `media over ${r.protocol}`, detail: r.detail } : { outcome: 'fails', error: 'no media', detail: r.detail });
        });
        await Promise.all(calls);
        // The calls are up (or have failed): the probe checks the media ports now, as a live session binds them.
        await probe?.();
      } finally {
        await Promise.all(contexts.map((c) => c.close().catch(() => {})));
      }
      return results;
    },
    async stop() {
      try {
        lab.net.run(lab.net.hospital, 'nft', ['delete', 'table', 'inet', 'parity_media']);
      } catch {}
      await Promise.all(januses.map((j) => j.stop()));
    },
  };
}
