// The parity matrix's middleboxes, run inside the lab's platform namespace as hospitals' inline
// appliances are (`ip netns exec NS node lab/parity/middlebox-side.ts SPEC.json`); the hospital
// namespace's nftables sends a cell's traffic to them (DNAT), as a transparent appliance takes it:
// - an inspecting proxy that terminates TLS with a certificate from the establishment's own root,
//   and lets through only HTTP, re-encrypted to the real server;
// - a firewall filtering by server name (SNI): it reassembles the ClientHello, as current
//   appliances do, and resets the hellos naming a blocked name (a category or block list: a hello
//   naming nothing, or another name, goes through).
// Prints `ready` once every listener is up; stops on SIGTERM.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { listen, type Closable } from '../servers.ts';

export interface MiddleboxSpec {
  host: string;
  inspect: { port: number; upstream: string; cert: { chain: string; key: string } }[];
  sniFilter: { port: number; upstream: string; block: string[] }[];
}

/** The server name a ClientHello asks for (RFC 6066), or undefined: hello without SNI, or not a hello. */
export function clientHelloSni(record: Buffer): string | undefined {
  // record: type(1) version(2) length(2), handshake: type(1) length(3) version(2) random(32)
  if (record[0] !== 0x16 || record[5] !== 0x01) return undefined;
  let at = 5 + 4 + 2 + 32;
  const skip = (lenBytes: number) => {
    const n = lenBytes === 1 ? record[at]! : record.readUInt16BE(at);
    at += lenBytes + n;
  };
  skip(1); // session id
  skip(2); // cipher suites
  skip(1); // compression methods
  const end = at + 2 + record.readUInt16BE(at);
  at += 2;
  while (at + 4 <= end && at + 4 <= record.length) {
    const type = record.readUInt16BE(at);
    const len = record.readUInt16BE(at + 2);
    if (type === 0) {
      // server_name_list: length(2), then type(1) name length(2) name
      const nameLen = record.readUInt16BE(at + 7);
      return record.toString('latin1', at + 9, at + 9 + nameLen).toLowerCase();
    }
    at += 4 + len;
  }
  return undefined;
}

/** Reads the whole first TLS record (however many segments it spans), then hands it on. */
function firstRecord(client: net.Socket, then: (record: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
      client.off('data', onData);
      then(buf);
    } else if (buf.length > 65_000) client.resetAndDestroy();
  };
  client.on('data', onData);
}

export function startSniFilter(host: string, f: MiddleboxSpec['sniFilter'][number]): Promise<Closable> {
  const server = net.createServer((client) => {
    client.on('error', () => {});
    firstRecord(client, (record) => {
      const sni = clientHelloSni(record);
      if (sni && f.block.includes(sni)) return void client.resetAndDestroy();
      const up = net.connect(443, f.upstream, () => {
        up.write(record);
        client.pipe(up).pipe(client);
      });
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
    });
  });
  return listen(server, host, f.port);
}

function startInspection(host: string, r: MiddleboxSpec['inspect'][number]): Promise<Closable> {
  const server = tls.createServer({ cert: r.cert.chain, key: r.cert.key }, (client) => {
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      if (!/^[A-Z]{3,7} \S+ HTTP\/1\.[01]\r\n/.test(first.toString('latin1', 0, 64))) return void client.destroy();
      const up = tls.connect({ host: r.upstream, port: 443, servername: client.servername || undefined, rejectUnauthorized: false }, () => {
        up.write(first);
        up.pipe(client).pipe(up);
      });
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
    });
  });
  return listen(server, host, r.port);
}

if (process.argv[1] === import.meta.filename) {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as MiddleboxSpec;
  const servers = await Promise.all([...spec.inspect.map((r) => startInspection(spec.host, r)), ...spec.sniFilter.map((f) => startSniFilter(spec.host, f))]);
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)));
}
