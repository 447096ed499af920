// Whatever a server or a middlebox does at any point of a connection (reset, close, a banner of
// another protocol, garbage, a TLS alert, a truncated record, an HTTP error to anything), every
// check that connects over TCP names it: never an internal_error, which is kept for the probe's
// own bugs. Real sockets on loopback, each behaving as a misbehaving server does.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Closable } from '../../lab/servers.ts';
import type { ProbeKind } from '../../probes/index.ts';
import { runProbe, target } from '../helpers.ts';

type Behaviour = (s: net.Socket) => void;

const BEHAVIOURS: Record<string, Behaviour> = {
  'reset at accept': (s) => s.resetAndDestroy(),
  'close at accept': (s) => s.end(),
  'an SSH banner, then silence': (s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'),
  'garbage after the first bytes, then close': (s) => s.once('data', () => s.end(Buffer.from('\x00\xff\x13\x37garbage\x7f'.repeat(20), 'latin1'))),
  'a fatal TLS alert (handshake failure)': (s) => s.once('data', () => s.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))),
  'a truncated TLS record, then reset': (s) => s.once('data', () => s.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0x10, 0x00]), Buffer.alloc(60, 7)]), () => setTimeout(() => s.resetAndDestroy(), 50))),
  'an HTTP 400 to anything': (s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n')),
  'a reset after the first bytes': (s) => s.once('data', () => setTimeout(() => s.resetAndDestroy(), 100)),
};

const KINDS: { kind: ProbeKind; url?: boolean }[] = [{ kind: 'tcp' }, { kind: 'tls' }, { kind: 'http', url: true }, { kind: 'nontls' }, { kind: 'stun' }, { kind: 'turn' }, { kind: 'turns' }, { kind: 'ocsp' }];

const servers = new Map<string, Closable>();
beforeAll(async () => {
  for (const [name, behave] of Object.entries(BEHAVIOURS)) {
    const server = net.createServer((s) => {
      s.on('error', () => {});
      behave(s);
    });
    servers.set(name, await listen(server));
  }
});
afterAll(async () => Promise.all([...servers.values()].map((s) => s.close())));

describe('checks against misbehaving servers', () => {
  for (const name of Object.keys(BEHAVIOURS)) {
    it(`${name}: every TCP check names the outcome, none is an internal error`, async () => {
      const port = servers.get(name)!.port;
      const results = await Promise.all(
        KINDS.map(({ kind, url }) => runProbe(kind, target({ host: '127.0.0.1', port, transport: 'tcp', ...(url ? { url: `https://127.0.0.1:${port}/` } : {}) }), { timeoutMs: 2500 })),
      );
      if (process.env.VIGIE_HOSTILE_DUMP) for (const r of results) process.stderr.write(`HOSTILE ${name} | ${r.kind} ${r.status} ${r.reason} ${r.message.slice(0, 90)}\n`);
      for (const r of results) {
        expect(r.reason, `${r.kind}: ${r.status} ${r.reason} ${r.message}`).not.toBe('internal_error');
        expect(r.message.length, `${r.kind} says what happened`).toBeGreaterThan(0);
      }
    });
  }
});
