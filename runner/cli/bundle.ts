// `vigie bundle keygen|sign|verify`: the region's side of signed catalog bundles. keygen makes the
// region's ed25519 key pair (the private key never leaves the region), sign writes the detached
// signature to publish beside the bundle, verify checks a bundle and its signature as a probe does.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { parsePublicKey as ParsePublicKey } from '../config/bundle-signature.ts';
import { InputError } from '../config/input-error.ts';
import { type Command, str, strs, UsageError } from './command.ts';

function readOrFail(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError([{ file, path: '', message: `cannot read the ${what}: ${(e as NodeJS.ErrnoException).code ?? 'error'}` }]);
  }
}

/** A pinned key given on the command line: a file (PEM or the base64 line) or the base64 line itself. */
function publicKeyArg(arg: string, parsePublicKey: typeof ParsePublicKey) {
  const isFile = existsSync(arg);
  try {
    return parsePublicKey(isFile ? readOrFail(arg, 'public key') : arg);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError([{ file: isFile ? arg : '--public-key', path: '', message: (e as Error).message.split('\n')[0]! }]);
  }
}

export const bundleCommand: Command = {
  name: 'bundle',
  summary: "The region's signed catalog bundles: keygen makes the key pair, sign writes BUNDLE.sig, verify checks a bundle as the probes do.",
  synopsis: 'bundle keygen --out PREFIX | bundle sign BUNDLE --key PREFIX.key | bundle verify BUNDLE --public-key KEY…',
  positionals: true,
  options: {
    out: { type: 'string', short: 'o' },
    key: { type: 'string' },
    'public-key': { type: 'string', multiple: true },
    signature: { type: 'string' },
  },
  help: {
    out: 'keygen: writes PREFIX.key (private, mode 0600) and PREFIX.pub; sign: the signature file (default BUNDLE.sig)',
    key: "sign: the region's private key (PEM)",
    'public-key': 'verify: a pinned key, as a file or the base64 line (repeatable: two during a rotation)',
    signature: 'verify: the signature file (default BUNDLE.sig)',
  },
  async run(values, positionals, io) {
    const [action, file] = positionals;
    const [{ generateKeys, parsePublicKey, signBundle, verifyBundle }, { parseBundleDocs }] = await Promise.all([import('../config/bundle-signature.ts'), import('../config/region-bundle.ts')]);
    if (action === 'keygen') {
      const prefix = str(values.out);
      if (!prefix) throw new UsageError('keygen needs --out PREFIX');
      if (existsSync(`${prefix}.key`)) throw new UsageError(`${prefix}.key exists: a key is never overwritten`);
      const keys = generateKeys();
      writeFileSync(`${prefix}.key`, keys.privatePem, { mode: 0o600 });
      writeFileSync(`${prefix}.pub`, `${keys.publicRaw}\n`);
      io.out.write(`Wrote ${prefix}.key (keep it in the region, never in a probe's files) and ${prefix}.pub.\nPin it in each probe's vigie.yaml:\n  remote: { public_keys: ["${keys.publicRaw}"] }\n`);
      return 0;
    }
    if ((action !== 'sign' && action !== 'verify') || !file) throw new UsageError('expected keygen, sign BUNDLE or verify BUNDLE');
    const text = readOrFail(file, 'bundle');
    // A bundle that the probes would refuse is not signed, and not called good.
    parseBundleDocs(text, file);
    if (action === 'sign') {
      const keyFile = str(values.key);
      if (!keyFile) throw new UsageError('sign needs --key PREFIX.key');
      let signature: string;
      try {
        signature = signBundle(text, readOrFail(keyFile, 'private key'));
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError([{ file: keyFile, path: '', message: `not a private key: ${(e as Error).message.split('\n')[0]}` }]);
      }
      const out = str(values.out) ?? `${file}.sig`;
      writeFileSync(out, `${signature}\n`);
      io.out.write(`Wrote ${out}: publish it beside the bundle (its URL followed by .sig).\n`);
      return 0;
    }
    const pinned = strs(values['public-key']);
    if (!pinned.length) throw new UsageError('verify needs --public-key KEY');
    const sigFile = str(values.signature) ?? `${file}.sig`;
    const check = verifyBundle(text, readOrFail(sigFile, 'signature'), pinned.map((k) => publicKeyArg(k, parsePublicKey)));
    if (!check.ok) {
      io.err.write(`vigie: ${file}: refused: ${check.why}\n`);
      return 1;
    }
    io.out.write(`${file}: signed by pinned key ${check.keyIndex + 1} of ${pinned.length}; the bundle validates.\n`);
    return 0;
  },
};
