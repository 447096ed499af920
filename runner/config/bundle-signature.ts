// A region signs its catalog bundle with ed25519 (node:crypto): the signature is detached, base64,
// published next to the bundle (URL + ".sig"). Establishments pin the region's public key in
// vigie.yaml (two during a rotation); a bundle that no pinned key signed is refused. The region's
// web server, its DNS or a mis-issued certificate can then no longer point the fleet anywhere.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

const ED25519_RAW_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** The bytes of a base64 text of exactly `length` bytes, or undefined (Buffer.from skips bad characters). */
function base64Bytes(text: string, length: number): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return /^[A-Za-z0-9+/]+=*$/.test(text) && bytes.length === length ? bytes : undefined;
}

/** A pinned key: SPKI PEM, or the 32 raw bytes in base64 (the one line `vigie bundle keygen` prints). */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  let key: KeyObject;
  if (t.startsWith('-----BEGIN')) key = createPublicKey(t);
  else {
    const raw = base64Bytes(t, ED25519_RAW_BYTES);
    if (!raw) throw new Error(`expected an ed25519 public key: PEM, or ${ED25519_RAW_BYTES} bytes in base64`);
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an ed25519 key, not ${key.asymmetricKeyType ?? 'an unknown type'}`);
  return key;
}

/** Why a pinned key cannot be used, or undefined when it can (for config validation). */
export function publicKeyProblem(text: string): string | undefined {
  try {
    parsePublicKey(text);
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

export function signBundle(data: Buffer | string, privateKeyPem: string): string {
  return sign(null, Buffer.from(data), createPrivateKey(privateKeyPem)).toString('base64');
}

export type SignatureCheck = { ok: true; keyIndex: number } | { ok: false; why: string };

/** Whether one of the pinned keys signed exactly these bytes. */
export function verifyBundle(data: Buffer | string, signatureText: string, keys: readonly KeyObject[]): SignatureCheck {
  const sig = base64Bytes(signatureText.trim(), SIGNATURE_BYTES);
  if (!sig) return { ok: false, why: `the signature is not ${SIGNATURE_BYTES} bytes of base64` };
  const bytes = Buffer.from(data);
  const keyIndex = keys.findIndex((k) => verify(null, bytes, k, sig));
  return keyIndex >= 0 ? { ok: true, keyIndex } : { ok: false, why: `no pinned key (${keys.length}) verifies it: signed with another key, or changed after signing` };
}

export interface KeyPair {
  privatePem: string;
  publicPem: string;
  /** The public key as one base64 line, for `remote.public_keys`. */
  publicRaw: string;
}

export function generateKeys(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicRaw: Buffer.from(jwk.x!, 'base64url').toString('base64'),
  };
}
