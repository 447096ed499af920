// The verdict of a measurement window, on synthetic getStats samples: only the edge cases a real
// lab cannot produce on demand (720p never reached, loss above target). The real browser runs are
// in scenarios.test.ts.
import { describe, expect, it } from 'vitest';
import { estimateMos, neededFlows, type PageSample, type PcSample, summarise } from '../../scenarios/lib/webrtc-stats.ts';

const expectSend = { send: true, receive: false, hdWithinSeconds: 8, maxLossRatio: 0.05 };

function pc(o: Partial<PcSample> & { height: number; bytes: number; lost?: number }): PcSample {
  return {
    created: 0,
    gathering: 50,
    iceConnected: 200,
    iceFailed: false,
    ice: 'connected',
    errors: [],
    gathered: { host: 2 },
    out: [{ kind: 'video', frameWidth: Math.round((o.height * 16) / 9), frameHeight: o.height, framesPerSecond: 30, framesEncoded: o.bytes / 1000, bytesSent: o.bytes, qualityLimitationReason: o.height < 720 ? 'bandwidth' : 'none' }],
    in: [],
    remoteIn: [{ kind: 'video', fractionLost: o.lost ?? 0, jitter: 0.004, roundTripTime: 0.03 }],
    rtt: 0.03,
    local: { candidateType: 'host', protocol: 'udp' },
    remote: { candidateType: 'host', protocol: 'udp', port: 20000 },
    ...o,
  };
}

const window = (heights: number[], lost = 0): PageSample[] => heights.map((h, i) => ({ t: 1000 + i * 1000, pcs: [pc({ height: h, bytes: (i + 1) * 200_000, lost })] }));

describe('media verdict', () => {
  it('720p reached within the limit is ok, with the time it took', () => {
    const v = summarise(window([360, 540, 720, 720, 720, 720, 720, 720, 720, 720]), [], expectSend);
    expect(v.status).toBe('ok');
    expect(v.observations.time_to_720p_seconds).toBeCloseTo(2.8, 3);
    expect(v.observations.outbound_bytes_per_second).toBeCloseTo(200_000, 0);
  });
  it('720p never reached is degraded media_not_720p, naming the limit', () => {
    const v = summarise(window(Array(10).fill(360)), [], expectSend);
    expect(v.status).toBe('degraded');
    expect(v.reason).toBe('media_not_720p');
    expect(v.message).toContain('640×360');
    expect(v.message).toContain('bandwidth');
  });
  it('720p reached too late is degraded too', () => {
    const v = summarise(window([...Array(10).fill(540), 720]), [], expectSend);
    expect(v.reason).toBe('media_not_720p');
  });
  it('loss above the target is degraded media_loss_high', () => {
    const v = summarise(window(Array(10).fill(720), 0.08), [], expectSend);
    expect(v.status).toBe('degraded');
    expect(v.reason).toBe('media_loss_high');
    expect(v.message).toContain('8.0 %');
  });
  it('no connected peer connection is ice_failed; a 401 while gathering is turn_auth_failed', () => {
    const failed: PageSample[] = [{ t: 0, pcs: [{ ...pc({ height: 0, bytes: 0 }), iceConnected: null, iceFailed: true, gathered: {} }] }];
    expect(summarise(failed, failed, expectSend).reason).toBe('ice_failed');
    const auth: PageSample[] = [{ t: 0, pcs: [{ ...pc({ height: 0, bytes: 0 }), iceConnected: null, gathered: {}, errors: [{ code: 401, text: 'Unauthorized', url: 'turn:t.example:3478' }] }] }];
    const v = summarise(auth, auth, expectSend);
    expect(v.reason).toBe('turn_auth_failed');
    expect(v.message).toContain('401');
  });
  it('a failed ICE attempt names the flows it needed: the server candidates it was given and the STUN/TURN servers it could not reach', () => {
    const p: PcSample = {
      ...pc({ height: 0, bytes: 0 }),
      iceConnected: null,
      iceFailed: true,
      tried: [
        { candidateType: 'host', protocol: 'udp', address: '198.51.100.7', port: 10000 },
        { candidateType: 'host', protocol: 'tcp', address: '198.51.100.7', port: 4443 },
        { candidateType: 'relay', protocol: 'udp', address: '203.0.113.9', port: 50000 },
        { candidateType: 'host', protocol: 'udp', address: '4b1e-peer.local', port: 5000 },
      ],
      errors: [
        { code: 701, text: 'TURN host lookup received error', url: 'turn:turn.example.fr:3478', transport: 'udp' },
        { code: 701, text: 'timeout', url: 'turns:turn.example.fr:443' },
        { code: 701, text: 'timeout', url: 'turn:[2001:db8::1]', transport: 'tcp' },
        { code: 401, text: 'Unauthorized', url: 'turn:turn.example.fr:3478', transport: 'udp' },
      ],
    };
    expect(neededFlows([p])).toEqual(['10000/UDP 198.51.100.7', '4443/TCP 198.51.100.7', '3478/UDP turn.example.fr', '443/TCP turn.example.fr', '3478/TCP [2001:db8::1]']);
    const noAuth = { ...p, errors: p.errors.filter((e) => e.code !== 401) };
    const v = summarise([{ t: 0, pcs: [noAuth] }], [{ t: 0, pcs: [noAuth] }], expectSend);
    expect(v.reason).toBe('ice_failed');
    expect(v.observations.ice_needed_flows).toEqual(neededFlows([p]));
    expect(v.message).toContain('tried 10000/UDP 198.51.100.7');
  });
  it('connected but nothing encoded is media_no_frames', () => {
    const none: PageSample[] = [0, 1, 2].map((i) => ({ t: i * 1000, pcs: [{ ...pc({ height: 0, bytes: 0 }), out: [{ kind: 'video', framesEncoded: 0, bytesSent: 0 }] }] }));
    expect(summarise(none, none, expectSend).reason).toBe('media_no_frames');
  });
  it('MOS falls with loss and delay and stays within 1–4.5', () => {
    expect(estimateMos(0.02, 0.002, 0)).toBeGreaterThan(4.3);
    expect(estimateMos(0.02, 0.002, 0.05)).toBeLessThan(estimateMos(0.02, 0.002, 0));
    expect(estimateMos(0.6, 0.05, 0)).toBeLessThan(estimateMos(0.05, 0.005, 0));
    expect(estimateMos(2, 0.5, 0.5)).toBe(1);
  });
});

describe('a measurement stopped before it sampled anything', () => {
  // The moment a Ctrl-C lands right after ICE connects cannot be hit on demand in a real browser:
  // fake pages whose state says connected, and the stop arriving as ICE is read.
  it('is a timeout that says nothing was measured, never a verdict on media it did not see', async () => {
    const { measureMedia } = await import('../../scenarios/lib/measure.ts');
    const stop = new AbortController();
    const connected = { ice: 'connected', iceConnected: 100, iceFailed: false, created: 0, gatheringDone: true, gathered: 1 };
    const page = {
      evaluate: async () => {
        stop.abort();
        return [connected, connected];
      },
    };
    const session = { guard: <T>(p: Promise<T>) => p, sample: () => {}, peakMemoryBytes: 0 };
    type Args = Parameters<typeof measureMedia>;
    const m = await measureMedia(session as unknown as Args[0], page as unknown as Args[1], page as unknown as Args[2], {
      connectTimeoutMs: 5000,
      windowMs: 1000,
      signal: stop.signal,
      expect: { send: true, receive: true, hdWithinSeconds: 8, maxLossRatio: 0.05 },
    });
    expect(m).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(m.message).toContain('nothing was measured');
  });
});
