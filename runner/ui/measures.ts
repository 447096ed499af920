// What a check's result shows a person beyond its status: the evidence lines of a protocol check
// (status page, report) and the media measurements of a browser scenario (status page, report,
// `vigie scenario`), from one table each, labels in i18n.
import type { CheckResult } from '../core/contract.ts';
import type { Observation, ObservationKey, Observations } from '../core/observations.ts';
import { labelled, type Lang, t, type Word } from './i18n.ts';

const ms = (s: number) => `${Math.round(s * 1000)} ms`;
const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
const str = (v: Observation | undefined) => (Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v));

interface Measure {
  key: ObservationKey;
  word: Word;
  format: (v: number | string, o: Observations) => string;
  /** Shown on the status page and in the report; the CLI shows every measure. */
  page: boolean;
  /** Only measures of something that happened: no "0×0" frame size or 0 fps when no media flowed. */
  nonZero?: boolean;
}

const size = (side: 'outbound' | 'inbound') => (_: number | string, o: Observations) => `${str(o[`${side}_frame_width`])}×${str(o[`${side}_frame_height`])}`;
const text = (v: number | string) => String(v);
const kbps = (v: number | string) => `${((+v * 8) / 1000).toFixed(0)} kb/s`;

const MEASURES: Measure[] = [
  { key: 'outbound_frame_height', word: 'mVideoSent', format: size('outbound'), page: true, nonZero: true },
  { key: 'outbound_fps', word: 'mFpsSent', format: (v) => (+v).toFixed(0), page: true, nonZero: true },
  { key: 'inbound_frame_height', word: 'mVideoReceived', format: size('inbound'), page: true, nonZero: true },
  { key: 'inbound_fps', word: 'mFpsReceived', format: (v) => (+v).toFixed(0), page: false, nonZero: true },
  { key: 'ice_connected_seconds', word: 'mIce', format: (v) => ms(+v), page: true },
  { key: 'time_to_720p_seconds', word: 'm720p', format: (v) => ms(+v), page: true },
  { key: 'local_candidate_type', word: 'mPath', format: text, page: true },
  { key: 'remote_candidate_type', word: 'mRemoteCandidate', format: text, page: false },
  { key: 'candidate_protocol', word: 'mProtocol', format: text, page: false },
  { key: 'relay_protocol', word: 'mRelay', format: (v) => String(v).toUpperCase(), page: true },
  { key: 'remote_port', word: 'mRemotePort', format: text, page: false },
  { key: 'outbound_bytes_per_second', word: 'mBitrateSent', format: kbps, page: true },
  { key: 'inbound_bytes_per_second', word: 'mBitrateReceived', format: kbps, page: false },
  { key: 'quality_limitation_reason', word: 'mLimitation', format: text, page: false },
  { key: 'outbound_packet_loss_ratio', word: 'mLossSent', format: (v) => pct(+v), page: false },
  { key: 'inbound_packet_loss_ratio', word: 'mLossReceived', format: (v) => pct(+v), page: true },
  { key: 'inbound_jitter_seconds', word: 'mJitter', format: (v) => ms(+v), page: true },
  { key: 'rtt_seconds', word: 'mRtt', format: (v) => ms(+v), page: true },
  { key: 'freeze_count', word: 'mFreezes', format: text, page: false },
  { key: 'audio_mos', word: 'mMos', format: text, page: true },
  { key: 'bytes_sent', word: 'mBytesSent', format: text, page: false },
  { key: 'bytes_received', word: 'mBytesReceived', format: text, page: false },
  { key: 'browser_memory_peak_bytes', word: 'mBrowserMemory', format: (v) => `${Math.round(+v / 1048576)} MiB`, page: false },
  { key: 'failed_step', word: 'mFailedStep', format: text, page: true },
  { key: 'screenshot', word: 'mScreenshot', format: text, page: false },
];

/** The media measurements of a scenario result as (label, value) pairs; `all` for the CLI. */
export function mediaMeasures(r: CheckResult, lang: Lang, all = false): [string, string][] {
  const o = r.observations;
  const shown = (m: Measure) => (typeof o[m.key] === 'number' && (!m.nonZero || (o[m.key] as number) > 0)) || typeof o[m.key] === 'string';
  return MEASURES.filter((m) => (all || m.page) && shown(m)).map((m) => [t(m.word, lang), m.format(o[m.key] as number | string, o)]);
}

/** Short "label: value" lines a support engineer reads instead of a screenshot. */
export function evidenceOf(r: CheckResult, lang: Lang, isScenario: boolean): string[] {
  const o = r.observations;
  const out: string[] = [];
  const line = (word: Word, value: string) => out.push(labelled(t(word, lang), value, lang));
  const phases = Object.entries(r.phases).filter(([, s]) => s > 0);
  if (phases.length) line('evTimings', phases.map(([p, s]) => `${p} ${ms(s)}`).join(', '));
  if (o.address !== undefined) line('evAddress', str(o.address));
  if (o.addresses !== undefined) line('evDnsAddresses', `${str(o.addresses)}${o.addresses6 ? `, ${str(o.addresses6)}` : ''}`);
  if (o.tls_version !== undefined) out.push(`TLS: ${str(o.tls_version)}${o.cipher ? ` (${str(o.cipher)})` : ''}`);
  if (o.leaf_issuer !== undefined) line('evIssuer', str(o.leaf_issuer));
  if (o.not_after !== undefined) line('evExpires', str(o.not_after));
  if (o.status_code !== undefined) out.push(`HTTP ${str(o.status_code)}`);
  if (r.kind === 'ocsp' && typeof o.status === 'string') out.push(`OCSP: ${o.status}`);
  if (o.mapped_address !== undefined) line('evMapped', str(o.mapped_address));
  if (o.relayed_address !== undefined) line('evRelayed', str(o.relayed_address));
  if (o.redirected_to !== undefined) line('evRedirected', str(o.redirected_to));
  if (typeof o.rtt_seconds === 'number' && !isScenario) out.push(`RTT: ${ms(o.rtt_seconds)}`);
  if (typeof o.loss_ratio === 'number') line('evLoss', pct(o.loss_ratio));
  if (typeof o.offset_seconds === 'number') line('evOffset', ms(o.offset_seconds));
  if (o.via_proxy === true) out.push(t('evViaProxy', lang));
  if (o.proxy_path !== undefined) line('evProxyPath', str(o.proxy_path));
  return out;
}
