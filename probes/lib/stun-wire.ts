// STUN/TURN message handling on top of the `stun` package (encoding, attributes, FINGERPRINT and
// MESSAGE-INTEGRITY): a strict pre-check of the header so no garbage reaches the decoder, and a
// decoder wrapper that turns every malformed input into a reason instead of an exception.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import stun, { type StunMessage, type StunRequest } from 'stun';

const C = stun.constants;
export const MAGIC_COOKIE = 0x2112a442;

export const TYPES = {
  bindingRequest: C.STUN_BINDING_REQUEST!,
  allocateRequest: C.STUN_ALLOCATE_REQUEST!,
  refreshRequest: C.STUN_REFRESH_REQUEST!,
  createPermissionRequest: C.STUN_CREATE_PERMISSION_REQUEST!,
  channelBindRequest: C.STUN_CHANNEL_BIND_REQUEST!,
  sendIndication: C.STUN_SEND_INDICATION!,
  dataIndication: C.STUN_DATA_INDICATION!,
};

export const ATTR = {
  mappedAddress: C.STUN_ATTR_MAPPED_ADDRESS!,
  xorMappedAddress: C.STUN_ATTR_XOR_MAPPED_ADDRESS!,
  xorRelayedAddress: C.STUN_ATTR_XOR_RELAYED_ADDRESS!,
  xorPeerAddress: C.STUN_ATTR_XOR_PEER_ADDRESS!,
  username: C.STUN_ATTR_USERNAME!,
  realm: C.STUN_ATTR_REALM!,
  nonce: C.STUN_ATTR_NONCE!,
  errorCode: C.STUN_ATTR_ERROR_CODE!,
  software: C.STUN_ATTR_SOFTWARE!,
  fingerprint: C.STUN_ATTR_FINGERPRINT!,
  messageIntegrity: C.STUN_ATTR_MESSAGE_INTEGRITY!,
  lifetime: C.STUN_ATTR_LIFETIME!,
  requestedTransport: C.STUN_ATTR_REQUESTED_TRANSPORT!,
  channelNumber: C.STUN_ATTR_CHANNEL_NUMBER!,
  data: C.STUN_ATTR_DATA!,
  alternateServer: C.STUN_ATTR_ALTERNATE_SERVER!,
};

/** RFC 8489 attributes the package does not know; written and read as raw bytes here. */
export const ATTR_8489 = {
  messageIntegritySha256: 0x001c,
  passwordAlgorithm: 0x001d,
  userhash: 0x001e,
  passwordAlgorithms: 0x8002,
};
export const PASSWORD_ALGORITHM_SHA256 = 0x0002;
/** NONCE prefix by which an RFC 8489 server announces its security features. */
export const NONCE_COOKIE = 'obMatJos2';

/** UDP in REQUESTED-TRANSPORT: protocol number 17 in the first byte. */
export const REQUESTED_TRANSPORT_UDP = 17 << 24;

export type StunClass = 'request' | 'indication' | 'success' | 'error';

export function messageClass(type: number): StunClass {
  const c = ((type >> 7) & 0x2) | ((type >> 4) & 0x1);
  return (['request', 'indication', 'success', 'error'] as const)[c]!;
}

export function messageMethod(type: number): number {
  return (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80);
}

export type Decoded = { ok: true; message: StunMessage; raw: Buffer } | { ok: false; why: string };

/** Offset of the first attribute of `type` in a framed message, or -1. */
function attributeOffset(raw: Buffer, type: number): number {
  for (let off = 20; off + 4 <= raw.length; off += 4 + Math.ceil(raw.readUInt16BE(off + 2) / 4) * 4) if (raw.readUInt16BE(off) === type) return off;
  return -1;
}

/** The raw value of the first attribute of `type`, or undefined. */
export function rawAttribute(raw: Buffer, type: number): Buffer | undefined {
  const off = attributeOffset(raw, type);
  if (off < 0) return undefined;
  const len = raw.readUInt16BE(off + 2);
  return off + 4 + len <= raw.length ? raw.subarray(off + 4, off + 4 + len) : undefined;
}

/** Appends an attribute (padded to 4 bytes) and updates the length field. */
export function appendAttribute(msg: Buffer, type: number, value: Buffer): Buffer {
  const padded = Math.ceil(value.length / 4) * 4;
  const attr = Buffer.alloc(4 + padded);
  attr.writeUInt16BE(type, 0);
  attr.writeUInt16BE(value.length, 2);
  value.copy(attr, 4);
  const out = Buffer.concat([msg, attr]);
  out.writeUInt16BE(out.length - 20, 2);
  return out;
}

/** Appends MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): HMAC-SHA256 over the message, length counting it. */
export function appendIntegritySha256(msg: Buffer, key: Buffer): Buffer {
  const head = Buffer.from(msg);
  head.writeUInt16BE(msg.length - 20 + 36, 2);
  return appendAttribute(msg, ATTR_8489.messageIntegritySha256, createHmac('sha256', key).update(head).digest());
}

/** Appends FINGERPRINT (RFC 8489 §14.7). */
export function appendFingerprint(msg: Buffer): Buffer {
  const head = Buffer.from(msg);
  head.writeUInt16BE(msg.length - 20 + 8, 2);
  const value = Buffer.alloc(4);
  value.writeUInt32BE((crc32(head) ^ 0x5354554e) >>> 0);
  return appendAttribute(head, ATTR.fingerprint, value);
}

/** MESSAGE-INTEGRITY-SHA256 checked on the bytes received (full 32-byte or truncated ≥ 16-byte MAC). */
export function integritySha256Valid(raw: Buffer, key: Buffer): boolean {
  const off = attributeOffset(raw, ATTR_8489.messageIntegritySha256);
  if (off < 0) return false;
  const len = raw.readUInt16BE(off + 2);
  if (len < 16 || len > 32 || len % 4 !== 0 || off + 4 + len > raw.length) return false;
  const head = Buffer.from(raw.subarray(0, off));
  head.writeUInt16BE(off + 4 + len - 20, 2);
  const mac = createHmac('sha256', key).update(head).digest().subarray(0, len);
  return timingSafeEqual(mac, raw.subarray(off + 4, off + 4 + len));
}

/** The PASSWORD-ALGORITHMS value of a 401 when it offers SHA-256 under an RFC 8489 nonce, else undefined. */
export function offeredSha256(raw: Buffer, nonce: string | undefined): Buffer | undefined {
  const list = rawAttribute(raw, ATTR_8489.passwordAlgorithms);
  if (!list || !nonce?.startsWith(NONCE_COOKIE)) return undefined;
  for (let off = 0; off + 4 <= list.length; off += 4 + Math.ceil(list.readUInt16BE(off + 2) / 4) * 4)
    if (list.readUInt16BE(off) === PASSWORD_ALGORITHM_SHA256) return list;
  return undefined;
}

/**
 * FINGERPRINT checked on the bytes received (the package's own check re-encodes the decoded
 * message, which does not reproduce every server's bytes).
 */
export function fingerprintValid(raw: Buffer): boolean {
  const off = attributeOffset(raw, ATTR.fingerprint);
  if (off < 0 || off + 8 !== raw.length) return false;
  return ((crc32(raw.subarray(0, off)) ^ 0x5354554e) >>> 0) === raw.readUInt32BE(off + 4);
}

/** MESSAGE-INTEGRITY (HMAC-SHA1) checked on the bytes received, per RFC 8489 §14.5. */
export function integrityValid(raw: Buffer, key: Buffer): boolean {
  const off = attributeOffset(raw, ATTR.messageIntegrity);
  if (off < 0 || off + 24 > raw.length) return false;
  const head = Buffer.from(raw.subarray(0, off));
  head.writeUInt16BE(off + 24 - 20, 2);
  const mac = createHmac('sha1', key).update(head).digest();
  return timingSafeEqual(mac, raw.subarray(off + 4, off + 24));
}

/** Total length of the STUN message at the start of `buf`, or undefined when the header is not STUN. */
export function stunFrameLength(buf: Buffer): number | undefined {
  if (buf.length < 20) return undefined;
  if ((buf[0]! & 0xc0) !== 0) return undefined;
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const len = buf.readUInt16BE(2);
  if (len % 4 !== 0) return undefined;
  return 20 + len;
}

/** Decodes one datagram; checks header, length, attributes framing and FINGERPRINT when present. */
export function decodeStun(buf: Buffer): Decoded {
  if (buf.length < 20) return { ok: false, why: `${buf.length} bytes, shorter than a STUN header` };
  if ((buf[0]! & 0xc0) !== 0) return { ok: false, why: 'first two bits not zero: not a STUN message' };
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) return { ok: false, why: 'no STUN magic cookie' };
  const total = stunFrameLength(buf);
  if (total === undefined || total !== buf.length) return { ok: false, why: `length field ${buf.readUInt16BE(2)} does not match ${buf.length - 20} bytes of attributes` };
  // Walk the attributes ourselves first: the decoder must never see a length that runs past the end.
  for (let off = 20; off < buf.length; ) {
    if (off + 4 > buf.length) return { ok: false, why: 'truncated attribute header' };
    const alen = buf.readUInt16BE(off + 2);
    const next = off + 4 + Math.ceil(alen / 4) * 4;
    if (next > buf.length) return { ok: false, why: 'attribute runs past the end of the message' };
    off = next;
  }
  let message: StunMessage;
  try {
    message = stun.decode(buf);
  } catch (e) {
    return { ok: false, why: `undecodable: ${(e as Error).message}` };
  }
  if (attributeOffset(buf, ATTR.fingerprint) >= 0 && !fingerprintValid(buf)) return { ok: false, why: 'FINGERPRINT does not match the message' };
  return { ok: true, message, raw: buf };
}

export interface StunAddress {
  address: string;
  port: number;
  family?: string;
}

export function addressAttr(m: StunMessage, type: number): StunAddress | undefined {
  const v = m.getAttribute(type)?.value as StunAddress | undefined;
  return v && typeof v.address === 'string' && typeof v.port === 'number' ? v : undefined;
}

export function stringAttr(m: StunMessage, type: number): string | undefined {
  const v = m.getAttribute(type)?.value;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

/** ERROR-CODE read from the bytes (class × 100 + number, RFC 8489 §14.8); the package's decoding of it is off. */
export function errorCode(raw: Buffer): { code: number; reason: string } | undefined {
  const off = attributeOffset(raw, ATTR.errorCode);
  if (off < 0) return undefined;
  const len = raw.readUInt16BE(off + 2);
  if (len < 4 || off + 4 + len > raw.length) return undefined;
  const code = (raw[off + 6]! & 0x07) * 100 + raw[off + 7]!;
  // Servers pad the reason phrase (coturn with spaces and NULs): the words only.
  return { code, reason: raw.subarray(off + 8, off + 4 + len).toString('utf8').replace(/[\s\0]+$/, '') };
}

export function newRequest(type: number): StunRequest {
  return stun.createMessage(type);
}

export type { StunMessage, StunRequest };
