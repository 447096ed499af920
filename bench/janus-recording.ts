// Reads a Janus recording (.mjr: "MJR00002", a JSON header, then "MEET" + time + length + RTP
// packet, as janus-pp-rec reads them) and finds what Janus received: the frame size of each VP8
// keyframe (from the VP8 frame header, RFC 6386 §9.1) and the RTP bytes per second.
import { readFileSync } from 'node:fs';

export interface Recording {
  kind: string;
  codec: string;
  packets: number;
  bytes: number;
  /** Seconds between the first and the last packet. */
  seconds: number;
  /** Width × height of each keyframe, in order. */
  keyframes: { width: number; height: number }[];
}

function vp8Keyframe(payload: Buffer): { width: number; height: number } | undefined {
  // VP8 payload descriptor (RFC 7741 §4.2): X R N S R PID, then the optional I/L/T/K bytes.
  let i = 0;
  const first = payload[i++]!;
  const start = (first & 0x10) !== 0 && (first & 0x07) === 0;
  if (first & 0x80) {
    const ext = payload[i++]!;
    if (ext & 0x80) i += payload[i]! & 0x80 ? 2 : 1;
    if (ext & 0x40) i += 1;
    if (ext & 0x30) i += 1;
  }
  const h = payload.subarray(i);
  // Frame tag bit 0 = 0 is a keyframe, then the start code 9d 01 2a and 14-bit width and height.
  if (!start || h.length < 10 || (h[0]! & 0x01) !== 0 || h[3] !== 0x9d || h[4] !== 0x01 || h[5] !== 0x2a) return undefined;
  return { width: h.readUInt16LE(6) & 0x3fff, height: h.readUInt16LE(8) & 0x3fff };
}

export function readRecording(file: string): Recording {
  const buf = readFileSync(file);
  if (buf.toString('latin1', 0, 8) !== 'MJR00002') throw new Error(`${file}: not a Janus recording (MJR00002)`);
  const headerLength = buf.readUInt16BE(8);
  const header = JSON.parse(buf.toString('utf8', 10, 10 + headerLength)) as { t?: string; c?: string };
  const rec: Recording = { kind: header.t === 'v' ? 'video' : header.t === 'a' ? 'audio' : String(header.t), codec: String(header.c), packets: 0, bytes: 0, seconds: 0, keyframes: [] };
  let first: number | undefined;
  for (let off = 10 + headerLength; off + 10 <= buf.length; ) {
    if (buf.toString('latin1', off, off + 4) !== 'MEET') break;
    const ms = buf.readUInt32BE(off + 4);
    const len = buf.readUInt16BE(off + 8);
    const rtp = buf.subarray(off + 10, off + 10 + len);
    off += 10 + len;
    if (rtp.length < 12) continue;
    first ??= ms;
    rec.seconds = (ms - first) / 1000;
    rec.packets++;
    rec.bytes += rtp.length;
    if (rec.codec !== 'vp8') continue;
    // RTP header: 12 bytes, CSRCs, then the header extension when X is set.
    let p = 12 + (rtp[0]! & 0x0f) * 4;
    if (rtp[0]! & 0x10) p += 4 + rtp.readUInt16BE(p + 2) * 4;
    const size = vp8Keyframe(rtp.subarray(p));
    if (size) rec.keyframes.push(size);
  }
  return rec;
}
