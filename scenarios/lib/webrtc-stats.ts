// WebRTC measurement: an init script that tracks every RTCPeerConnection a page creates (and makes
// each video sender keep 720p), a compact getStats() sample taken every second, and the summary of
// a measurement window as flat observations plus the verdict (ice_failed, media_no_frames,
// media_not_720p, media_loss_high).
import type { Page } from 'playwright-core';
import type { CheckStatus } from '../../runner/core/contract.ts';
import type { ObservationKey, Observations } from '../../runner/core/observations.ts';
import type { Reason } from '../../runner/core/reasons.ts';

/** Max bitrate set on video senders: enough for 1280×720 at 30 fps with VP8/H.264. */
export const HD_MAX_BITRATE = 2_500_000;

/** Page JavaScript: keeps each video sender at 720p (no downscaling, enough bitrate). */
const tuneJs = (maxBitrate: number): string => `
  const tune = (pc) => {
    for (const s of pc.getSenders()) {
      if (!s.track || s.track.kind !== 'video') continue;
      try { s.track.contentHint = 'detail'; } catch (e) {}
      const p = s.getParameters();
      if (!p.encodings || p.encodings.length !== 1) continue;
      p.degradationPreference = 'maintain-resolution';
      p.encodings[0].maxBitrate = Math.max(p.encodings[0].maxBitrate || 0, ${maxBitrate});
      p.encodings[0].scaleResolutionDownBy = 1;
      s.setParameters(p).catch(() => {});
    }
  };`;

/** Page JavaScript: notes the far end's candidates of a peer connection record. */
const NOTE_REMOTE_JS = `
  // The far end's candidates as signalled (SDP or trickle): they name the flows a call needs, and
  // they stay known when the page closes a peer connection that failed.
  const CAND_LINE = /candidate:\\S+ \\d+ (udp|tcp) \\d+ (\\S+) (\\d+) typ (\\w+)/gi;
  const noteRemote = (rec, text) => {
    for (const m of String(text || '').matchAll(CAND_LINE)) {
      const c = { protocol: m[1].toLowerCase(), address: m[2], port: Number(m[3]), candidateType: m[4] };
      if (rec.remotes.length < 10 && !rec.remotes.some((x) => x.address === c.address && x.port === c.port && x.protocol === c.protocol)) rec.remotes.push(c);
    }
  };`;

/**
 * Runs in the page before any of its scripts. Kept as plain JavaScript in a string: it is
 * serialised into the page, where nothing of this module exists.
 */
export function initScript(maxBitrate = HD_MAX_BITRATE): string {
  return `(() => {
  if (window.__vigie) return;
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  const pcs = [];
${tuneJs(maxBitrate)}
${NOTE_REMOTE_JS}
  class TrackedPeerConnection extends Native {
    setRemoteDescription(desc, ...rest) {
      try { if (this.__vigieRec && desc) noteRemote(this.__vigieRec, desc.sdp); } catch (e) {}
      return super.setRemoteDescription(desc, ...rest);
    }
    addIceCandidate(c, ...rest) {
      try { if (this.__vigieRec && c) noteRemote(this.__vigieRec, typeof c === 'string' ? c : c.candidate); } catch (e) {}
      return super.addIceCandidate(c, ...rest);
    }
    constructor(...args) {
      super(...args);
      const rec = { pc: this, created: performance.now(), gathering: null, iceConnected: null, iceFailed: false, errors: [], gathered: {}, remotes: [] };
      pcs.push(rec);
      this.__vigieRec = rec;
      this.addEventListener('icecandidate', (e) => {
        if (e.candidate && e.candidate.type) rec.gathered[e.candidate.type] = (rec.gathered[e.candidate.type] || 0) + 1;
      });
      this.addEventListener('icecandidateerror', (e) => {
        const transport = /[?&]transport=(udp|tcp)/i.exec(String(e.url || ''));
        if (rec.errors.length < 10) rec.errors.push({ code: e.errorCode, text: String(e.errorText || '').slice(0, 100), url: String(e.url || '').replace(/[?].*$/, ''), ...(transport ? { transport: transport[1].toLowerCase() } : {}) });
      });
      this.addEventListener('icegatheringstatechange', () => {
        if (this.iceGatheringState === 'complete' && rec.gathering === null) rec.gathering = performance.now() - rec.created;
      });
      this.addEventListener('iceconnectionstatechange', () => {
        const st = this.iceConnectionState;
        if ((st === 'connected' || st === 'completed') && rec.iceConnected === null) { rec.iceConnected = performance.now() - rec.created; tune(this); }
        if (st === 'failed') rec.iceFailed = true;
      });
      this.addEventListener('signalingstatechange', () => { if (this.signalingState === 'stable') tune(this); });
    }
  }
  window.RTCPeerConnection = TrackedPeerConnection;
  window.webkitRTCPeerConnection = TrackedPeerConnection;
  const pick = (o, keys) => { const r = {}; for (const k of keys) if (o && o[k] !== undefined) r[k] = o[k]; return r; };
  const OUT = ['frameWidth', 'frameHeight', 'framesPerSecond', 'framesEncoded', 'framesSent', 'bytesSent', 'packetsSent', 'qualityLimitationReason', 'qualityLimitationDurations', 'kind'];
  const IN = ['frameWidth', 'frameHeight', 'framesPerSecond', 'framesDecoded', 'bytesReceived', 'packetsReceived', 'packetsLost', 'jitter', 'freezeCount', 'totalFreezesDuration', 'totalSamplesReceived', 'concealedSamples', 'kind'];
  const REMOTE_IN = ['packetsLost', 'fractionLost', 'jitter', 'roundTripTime', 'kind'];
  const CAND = ['candidateType', 'protocol', 'relayProtocol', 'port', 'address'];
  window.__vigie = {
    state: () => pcs.map((r) => ({ ice: r.pc.iceConnectionState, iceConnected: r.iceConnected, iceFailed: r.iceFailed, created: r.created, gatheringDone: r.gathering !== null, gathered: Object.values(r.gathered).reduce((a, b) => a + b, 0) })),
    errors: () => pcs.flatMap((r) => r.errors),
    sample: async () => {
      const out = [];
      for (const rec of pcs) {
        const s = { created: rec.created, gathering: rec.gathering, iceConnected: rec.iceConnected, iceFailed: rec.iceFailed, ice: rec.pc.iceConnectionState, errors: rec.errors, gathered: rec.gathered, tried: rec.remotes, out: [], in: [], remoteIn: [] };
        if (rec.pc.connectionState !== 'closed') {
          const report = await rec.pc.getStats();
          const byId = new Map();
          report.forEach((x) => byId.set(x.id, x));
          let pair;
          report.forEach((x) => {
            if (x.type === 'transport' && x.selectedCandidatePairId) { pair = byId.get(x.selectedCandidatePairId); s.bytesSent = (s.bytesSent || 0) + (x.bytesSent || 0); s.bytesReceived = (s.bytesReceived || 0) + (x.bytesReceived || 0); }
            if (x.type === 'outbound-rtp') s.out.push(pick(x, OUT));
            if (x.type === 'inbound-rtp') s.in.push(pick(x, IN));
            if (x.type === 'remote-inbound-rtp') s.remoteIn.push(pick(x, REMOTE_IN));
          });
          if (!pair) report.forEach((x) => { if (x.type === 'candidate-pair' && x.nominated && x.state === 'succeeded') pair = x; });
          if (pair) {
            s.rtt = pair.currentRoundTripTime;
            s.local = pick(byId.get(pair.localCandidateId), CAND);
            s.remote = pick(byId.get(pair.remoteCandidateId), CAND);
          }
        }
        out.push(s);
      }
      return { t: performance.now(), pcs: out };
    },
  };
})();`;
}

interface RtpOut {
  kind?: string;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  framesEncoded?: number;
  framesSent?: number;
  bytesSent?: number;
  packetsSent?: number;
  qualityLimitationReason?: string;
  qualityLimitationDurations?: Record<string, number>;
}
interface RtpIn {
  kind?: string;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  framesDecoded?: number;
  bytesReceived?: number;
  packetsReceived?: number;
  packetsLost?: number;
  jitter?: number;
  freezeCount?: number;
  totalFreezesDuration?: number;
  totalSamplesReceived?: number;
  concealedSamples?: number;
}
interface RemoteIn {
  kind?: string;
  packetsLost?: number;
  fractionLost?: number;
  jitter?: number;
  roundTripTime?: number;
}
interface Candidate {
  candidateType?: string;
  protocol?: string;
  relayProtocol?: string;
  port?: number;
  address?: string;
}
export interface PcSample {
  created: number;
  gathering: number | null;
  iceConnected: number | null;
  iceFailed: boolean;
  ice: string;
  /** icecandidateerror events (TURN 401, 701 unreachable…), URL without its query, and its transport. */
  errors: { code: number; text: string; url: string; transport?: string }[];
  /** Local candidates gathered, by type (host, srflx, relay). */
  gathered: Record<string, number>;
  out: RtpOut[];
  in: RtpIn[];
  remoteIn: RemoteIn[];
  bytesSent?: number;
  bytesReceived?: number;
  rtt?: number;
  local?: Candidate;
  remote?: Candidate;
  /** The far end's candidates as signalled to this peer connection (at most 10). */
  tried?: Candidate[];
}
export interface PageSample {
  t: number;
  pcs: PcSample[];
}
export interface PcState {
  ice: string;
  iceConnected: number | null;
  iceFailed: boolean;
  created: number;
  gatheringDone: boolean;
  /** Local candidates gathered so far. */
  gathered: number;
}

export function samplePage(page: Page): Promise<PageSample> {
  return page.evaluate(() => (globalThis as unknown as { __vigie?: { sample(): Promise<PageSample> } }).__vigie?.sample() ?? { t: performance.now(), pcs: [] });
}

export function pageState(page: Page): Promise<PcState[]> {
  return page.evaluate(() => (globalThis as unknown as { __vigie?: { state(): PcState[] } }).__vigie?.state() ?? []);
}

/** What a scenario expects of the media, and its thresholds. */
export interface MediaExpectations {
  send: boolean;
  receive: boolean;
  /** Seconds after ICE within which 1280×720 must be sent. */
  hdWithinSeconds: number;
  /** Loss above this ratio makes the run degraded. */
  maxLossRatio: number;
}

export interface MediaVerdict {
  status: CheckStatus;
  reason: Reason;
  message: string;
  observations: Observations;
}

const video = <T extends { kind?: string }>(list: T[]): T[] => list.filter((x) => x.kind === 'video');
const audio = <T extends { kind?: string }>(list: T[]): T[] => list.filter((x) => x.kind === 'audio');
const mean = (xs: number[]): number | undefined => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
const r3 = (x: number | undefined): number | undefined => (x === undefined || !Number.isFinite(x) ? undefined : Math.round(x * 1000) / 1000);

/** The sending video stream with the largest picture (simulcast sends several). */
function mainOut(pc: PcSample): RtpOut | undefined {
  return video(pc.out).sort((a, b) => (b.frameHeight ?? 0) - (a.frameHeight ?? 0))[0];
}

/** Simplified E-model (ITU-T G.107 as commonly reduced): R from one-way delay, jitter and loss, then MOS. */
export function estimateMos(rttSeconds: number, jitterSeconds: number, lossRatio: number): number {
  const latencyMs = (rttSeconds * 1000) / 2 + 2 * jitterSeconds * 1000 + 10;
  let r = latencyMs < 160 ? 93.2 - latencyMs / 40 : 93.2 - (latencyMs - 120) / 10;
  r -= 2.5 * lossRatio * 100;
  r = Math.max(0, Math.min(100, r));
  const mos = 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
  return Math.round(Math.max(1, Math.min(4.5, mos)) * 100) / 100;
}

type Put = (k: ObservationKey, v: number | string | undefined) => void;

/** ICE timings and the selected candidate pair of the path the media took. */
function pathFacts(set: Put, allPcs: PcSample[], connected: PcSample[], pathPc: PcSample | undefined): void {
  set('peer_connections', allPcs.length);
  set('ice_gathering_seconds', mean(allPcs.filter((p) => p.gathering !== null).map((p) => p.gathering! / 1000)));
  set('ice_connected_seconds', connected.length ? Math.max(...connected.map((p) => p.iceConnected! / 1000)) : undefined);
  if (pathPc?.local) {
    set('local_candidate_type', pathPc.local.candidateType);
    set('candidate_protocol', pathPc.local.protocol);
    set('relay_protocol', pathPc.local.relayProtocol);
  }
  if (pathPc?.remote) {
    set('remote_candidate_type', pathPc.remote.candidateType);
    set('remote_port', pathPc.remote.port);
    set('remote_address', pathPc.remote.address);
  }
}

/** What was sent: frame size and rate, bitrate, encoder limits, time to 720p, loss seen by the far end. Returns when 720p was reached. */
function outboundFacts(set: Put, sender: PageSample[], sendIdx: number): number | undefined {
  const first = sender[0];
  const last = sender.at(-1)!;
  const sendPc = last.pcs[sendIdx]!;
  const windowSeconds = first ? (last.t - first.t) / 1000 : 0;
  const out = mainOut(sendPc)!;
  set('outbound_frame_width', out.frameWidth ?? 0);
  set('outbound_frame_height', out.frameHeight ?? 0);
  const fps = sender.map((s) => s.pcs[sendIdx] && mainOut(s.pcs[sendIdx]!)?.framesPerSecond).filter((x): x is number => typeof x === 'number');
  set('outbound_fps', mean(fps.slice(Math.floor(fps.length / 2))));
  const firstOut = first?.pcs[sendIdx] && mainOut(first.pcs[sendIdx]!);
  const sentBytes = video(sendPc.out).reduce((a, x) => a + (x.bytesSent ?? 0), 0) - (firstOut ? video(first!.pcs[sendIdx]!.out).reduce((a, x) => a + (x.bytesSent ?? 0), 0) : 0);
  if (windowSeconds > 0) set('outbound_bytes_per_second', sentBytes / windowSeconds);
  set('quality_limitation_reason', out.qualityLimitationReason);
  const q = out.qualityLimitationDurations;
  if (q) {
    set('quality_limited_bandwidth_seconds', q.bandwidth);
    set('quality_limited_cpu_seconds', q.cpu);
  }
  const iceAt = sendPc.iceConnected !== null ? sendPc.created + sendPc.iceConnected : undefined;
  const hd = sender.find((s) => {
    const x = s.pcs[sendIdx] && mainOut(s.pcs[sendIdx]!);
    return x !== undefined && (x.frameHeight ?? 0) >= 720 && (x.frameWidth ?? 0) >= 1280;
  });
  const hdAt = hd && iceAt !== undefined ? Math.max(0, (hd.t - iceAt) / 1000) : undefined;
  set('time_to_720p_seconds', hdAt);
  const remote = video(sendPc.remoteIn)[0];
  if (remote) {
    set('outbound_packet_loss_ratio', remote.fractionLost ?? undefined);
    set('outbound_jitter_seconds', remote.jitter);
    set('rtt_seconds', remote.roundTripTime);
  }
  set('frames_encoded', out.framesEncoded ?? 0);
  return hdAt;
}

/** What was received: frame size and rate, bitrate, loss, jitter, freezes, audio. Returns the video loss ratio. */
function inboundFacts(set: Put, receiver: PageSample[], recvIdx: number, o: Observations, pathRtt: number | undefined): number | undefined {
  const firstR = receiver[0];
  const lastR = receiver.at(-1)!;
  const recvPc = lastR.pcs[recvIdx]!;
  const v = video(recvPc.in)[0]!;
  const firstV = firstR?.pcs[recvIdx] && video(firstR.pcs[recvIdx]!.in)[0];
  set('inbound_frame_width', v.frameWidth ?? 0);
  set('inbound_frame_height', v.frameHeight ?? 0);
  const fps = receiver.map((s) => s.pcs[recvIdx] && video(s.pcs[recvIdx]!.in)[0]?.framesPerSecond).filter((x): x is number => typeof x === 'number');
  set('inbound_fps', mean(fps.slice(Math.floor(fps.length / 2))));
  const windowR = firstR ? (lastR.t - firstR.t) / 1000 : 0;
  if (windowR > 0) set('inbound_bytes_per_second', ((v.bytesReceived ?? 0) - (firstV?.bytesReceived ?? 0)) / windowR);
  const lost = (v.packetsLost ?? 0) - (firstV?.packetsLost ?? 0);
  const got = (v.packetsReceived ?? 0) - (firstV?.packetsReceived ?? 0);
  const inLoss = lost + got > 0 ? Math.max(0, lost) / (Math.max(0, lost) + got) : undefined;
  set('inbound_packet_loss_ratio', inLoss);
  set('inbound_jitter_seconds', v.jitter);
  set('freeze_count', v.freezeCount ?? 0);
  set('freeze_seconds', v.totalFreezesDuration ?? 0);
  set('frames_decoded', v.framesDecoded ?? 0);
  const a = audio(recvPc.in)[0];
  if (a) {
    set('inbound_audio_samples', a.totalSamplesReceived ?? 0);
    const aLost = a.packetsLost ?? 0;
    const aLoss = aLost + (a.packetsReceived ?? 0) > 0 ? aLost / (aLost + (a.packetsReceived ?? 0)) : 0;
    set('audio_mos', estimateMos(pathRtt ?? (o.rtt_seconds as number) ?? 0, a.jitter ?? 0, aLoss));
  }
  return inLoss;
}

/** "3478/UDP visio.example.fr" from a STUN/TURN URL (turn:host:port, turns: is TLS over TCP). */
function serverFlow(url: string, transport: string | undefined): string | undefined {
  const m = /^(stuns?|turns?):(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(url);
  if (!m) return undefined;
  const tls = m[1]!.endsWith('s');
  return `${m[3] ?? (tls ? 5349 : 3478)}/${tls || transport === 'tcp' ? 'TCP' : 'UDP'} ${m[2]}`;
}

/**
 * The flows a failed ICE attempt needed: each media-server candidate it was given ("10000/UDP
 * 198.51.100.7") and each STUN/TURN server it could not reach. Relay candidates of the far end
 * are left out: reaching them is the far end's side.
 */
export function neededFlows(allPcs: readonly PcSample[]): string[] {
  const flows = new Set<string>();
  for (const p of allPcs) {
    // A browser's mDNS names (…local) are another participant's, not a server the hospital can open to.
    for (const c of p.tried ?? []) if (c.candidateType !== 'relay' && c.address && !c.address.endsWith('.local') && c.port && c.protocol) flows.add(`${c.port}/${c.protocol.toUpperCase()} ${c.address}`);
    for (const e of p.errors) {
      const f = e.code !== 401 ? serverFlow(e.url, e.transport) : undefined;
      if (f) flows.add(f);
    }
  }
  return [...flows].slice(0, 8);
}

/** Why ICE did not connect: a TURN 401 before any relay candidate names the credentials. */
function notConnected(o: Observations, allPcs: PcSample[]): MediaVerdict {
  const failed = allPcs.some((p) => p.iceFailed);
  const errors = allPcs.flatMap((p) => p.errors);
  const needed = neededFlows(allPcs);
  if (needed.length) o.ice_needed_flows = needed;
  const gathered = allPcs.reduce((a, p) => a + Object.values(p.gathered).reduce((x, y) => x + y, 0), 0);
  o.candidates_gathered = gathered;
  if (errors.length) o.candidate_errors = [...new Set(errors.map((e) => `${e.code} ${e.text} (${e.url})`))];
  const auth = errors.find((e) => e.code === 401);
  if (auth && !allPcs.some((p) => p.gathered.relay)) return { status: 'failed', reason: 'turn_auth_failed', message: `the TURN server rejected the credentials: ${auth.code} ${auth.text} (${auth.url})`, observations: o };
  const message = allPcs.length
    ? `ICE ${failed ? 'failed' : 'did not connect'} on ${allPcs.length} peer connection(s), ${gathered} local candidate(s)${errors.length ? `; ${errors[0]!.code} ${errors[0]!.text} (${errors[0]!.url})` : ''}${needed.length ? `; tried ${needed.join(', ')}` : ''}`
    : 'the page created no peer connection';
  return { status: 'failed', reason: 'ice_failed', message, observations: o };
}

/**
 * Summarises the samples of one measurement window. `sender` samples come from the page that
 * publishes, `receiver` samples from the page that should see and hear it (the same page when one
 * page holds both ends).
 */
export function summarise(sender: PageSample[], receiver: PageSample[], expect: MediaExpectations): MediaVerdict {
  const o: Observations = {};
  const set: Put = (k, v) => {
    if (v !== undefined) o[k] = typeof v === 'number' ? (r3(v) ?? null) : v;
  };
  const last = sender.at(-1);
  const lastR = receiver.at(-1);
  const allPcs = [...(last?.pcs ?? []), ...(lastR && lastR !== last ? lastR.pcs : [])];
  const connected = allPcs.filter((p) => p.iceConnected !== null);
  // The sending peer connection: the one with an outbound video stream.
  const sendIdx = last?.pcs.findIndex((p) => mainOut(p) !== undefined) ?? -1;
  const sendPc = sendIdx >= 0 ? last!.pcs[sendIdx] : undefined;
  const pathPc = sendPc ?? connected[0];
  pathFacts(set, allPcs, connected, pathPc);
  const hdAt = sendPc ? outboundFacts(set, sender, sendIdx) : undefined;
  if (o.rtt_seconds === undefined) set('rtt_seconds', pathPc?.rtt);
  // The receiving side: video and audio inbound streams of the receiver page.
  const recvIdx = lastR?.pcs.findIndex((p) => video(p.in).some((x) => (x.framesDecoded ?? 0) > 0)) ?? -1;
  const recvPc = recvIdx >= 0 ? lastR!.pcs[recvIdx] : undefined;
  const inLoss = recvPc ? inboundFacts(set, receiver, recvIdx, o, pathPc?.rtt) : undefined;
  if (!recvPc && sendPc) {
    // No receiving page: estimate audio quality from what the far end reports about our stream.
    const ra = audio(sendPc.remoteIn)[0];
    if (ra) set('audio_mos', estimateMos(ra.roundTripTime ?? 0, ra.jitter ?? 0, ra.fractionLost ?? 0));
  }
  const totals = (samples: PageSample[], key: 'bytesSent' | 'bytesReceived') => samples.at(-1)?.pcs.reduce((a, p) => a + (p[key] ?? 0), 0) ?? 0;
  set('bytes_sent', totals(sender, 'bytesSent') + (receiver !== sender ? totals(receiver, 'bytesSent') : 0));
  set('bytes_received', totals(sender, 'bytesReceived') + (receiver !== sender ? totals(receiver, 'bytesReceived') : 0));
  if (!connected.length) return notConnected(o, allPcs);
  return mediaVerdict(o, expect, { sent: sendPc !== undefined, received: recvPc !== undefined, hdAt, inLoss });
}

/** The verdict on connected media against what the scenario expects. */
function mediaVerdict(o: Observations, expect: MediaExpectations, m: { sent: boolean; received: boolean; hdAt: number | undefined; inLoss: number | undefined }): MediaVerdict {
  const verdict = (status: CheckStatus, reason: Reason, message: string): MediaVerdict => ({ status, reason, message, observations: o });
  if (expect.send && (!m.sent || (o.frames_encoded as number) === 0 || (o.outbound_bytes_per_second as number | undefined) === 0)) return verdict('failed', 'media_no_frames', 'connected, but no video frame was sent');
  if (expect.receive && !m.received) return verdict('failed', 'media_no_frames', 'connected, but no video frame was received from the other participant');
  if (expect.receive && m.received && !((o.inbound_audio_samples as number | undefined) ?? 0)) return verdict('failed', 'media_no_frames', 'video received, but no audio from the other participant');
  if (expect.send && (m.hdAt === undefined || m.hdAt > expect.hdWithinSeconds)) {
    return verdict('degraded', 'media_not_720p', `1280×720 not sent within ${expect.hdWithinSeconds} s of ICE (last ${o.outbound_frame_width}×${o.outbound_frame_height}, limited by ${o.quality_limitation_reason ?? 'none'})`);
  }
  const loss = Math.max((o.outbound_packet_loss_ratio as number | undefined) ?? 0, m.inLoss ?? 0);
  if (loss > expect.maxLossRatio) return verdict('degraded', 'media_loss_high', `packet loss ${(loss * 100).toFixed(1)} % above ${(expect.maxLossRatio * 100).toFixed(1)} %`);
  return verdict('ok', 'ok', `media flowing: ${o.outbound_frame_width ?? o.inbound_frame_width}×${o.outbound_frame_height ?? o.inbound_frame_height}, ICE ${o.ice_connected_seconds} s`);
}
