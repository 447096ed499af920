// The few X.509 extensions a browser judges that node:crypto's X509Certificate does not expose:
// keyUsage bits and nameConstraints' DNS subtrees, read from the DER with a minimal TLV walker
// (pkijs would do it too, at tens of MiB for a probe that needs two extensions).

interface Tlv {
  tag: number;
  /** Where the element starts (its tag), where its value starts, and where it ends. */
  at: number;
  start: number;
  end: number;
}

function tlv(der: Uint8Array, at: number): Tlv {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag, at, start, end: start + len };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const c = tlv(der, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

function oid(der: Uint8Array, t: Tlv): string {
  const bytes = der.subarray(t.start, t.end);
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** extnID → extnValue (the OCTET STRING's content) of a certificate's extensions. */
function extensions(der: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const cert = tlv(der, 0);
  const tbs = children(der, cert)[0];
  if (!tbs) return out;
  const ext = children(der, tbs).find((c) => c.tag === 0xa3);
  if (!ext) return out;
  const list = children(der, ext)[0];
  if (!list) return out;
  for (const e of children(der, list)) {
    const parts = children(der, e);
    const id = parts[0];
    const value = parts.at(-1);
    if (id?.tag === 0x06 && value?.tag === 0x04) out.set(oid(der, id), der.subarray(value.start, value.end));
  }
  return out;
}

export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5 } as const;

/** The keyUsage bits set, or undefined when the certificate has no keyUsage extension (all uses allowed). */
export function keyUsageBits(der: Uint8Array): Set<number> | undefined {
  const v = extensions(der).get('2.5.29.15');
  if (!v) return undefined;
  const bits = tlv(v, 0);
  const bytes = v.subarray(bits.start + 1, bits.end);
  const set = new Set<number>();
  bytes.forEach((b, i) => {
    for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) set.add(i * 8 + j);
  });
  return set;
}

/** The dNSName subtrees of a CA's nameConstraints (permitted and excluded), or undefined without the extension. */
export function dnsNameConstraints(der: Uint8Array): { permitted: string[]; excluded: string[] } | undefined {
  const v = extensions(der).get('2.5.29.30');
  if (!v) return undefined;
  const out = { permitted: [] as string[], excluded: [] as string[] };
  for (const subtrees of children(v, tlv(v, 0))) {
    const list = subtrees.tag === 0xa0 ? out.permitted : subtrees.tag === 0xa1 ? out.excluded : undefined;
    if (!list) continue;
    for (const subtree of children(v, subtrees)) {
      const base = children(v, subtree)[0];
      // dNSName is [2] IMPLICIT IA5String.
      if (base?.tag === 0x82) list.push(Buffer.from(v.subarray(base.start, base.end)).toString('latin1').toLowerCase());
    }
  }
  return out;
}

/** Whether `name` is within the dNSName subtree `base` (RFC 5280 4.2.1.10: the name itself or a subdomain). */
export function withinDnsSubtree(name: string, base: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const b = base.replace(/^\./, '');
  return b === '' || n === b || n.endsWith(`.${b}`);
}

/**
 * The certificates of a PKCS#7 / CMS "certs-only" SignedData (what some CA issuers URLs serve):
 * ContentInfo { contentType, [0] { SignedData { version, digestAlgorithms, encapContentInfo, [0] certificates } } }.
 */
export function pkcs7Certificates(der: Uint8Array): Buffer[] {
  try {
    const info = tlv(der, 0);
    const explicit = children(der, info).find((c) => c.tag === 0xa0);
    if (!explicit) return [];
    const signedData = children(der, explicit)[0];
    if (!signedData) return [];
    const certs = children(der, signedData).find((c) => c.tag === 0xa0);
    if (!certs) return [];
    return children(der, certs).map((c) => Buffer.from(der.subarray(c.at, c.end)));
  } catch {
    return [];
  }
}
