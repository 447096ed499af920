// Forwards connections between network namespaces through a Unix socket (a file, which every
// namespace sees): this file run as a script inside the namespace that serves (e.g. the probe's
// status page in the lab's hospital namespace) accepts on the socket; `forwardTo` runs here and
// accepts on TCP.
import net from 'node:net';
import { rmSync } from 'node:fs';
import type { Closable } from '../servers.ts';

function pipeTo(connect: () => net.Socket): (client: net.Socket) => void {
  return (client) => {
    const up = connect();
    client.pipe(up).pipe(client);
    const end = () => (client.destroy(), up.destroy());
    client.on('error', end);
    up.on('error', end);
  };
}

/** Accepts on TCP `host:port` here and forwards each connection to the Unix socket `path`. */
export function forwardTo(path: string, host: string, port: number): Promise<Closable> {
  const server = net.createServer(pipeTo(() => net.connect(path)));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ port, close: () => new Promise((r) => server.close(() => r())) }));
  });
}

// As a script (inside the serving namespace): node ns-forward.ts SOCKET_PATH TCP_PORT
if (process.argv[1] === import.meta.filename) {
  const [path, port] = [process.argv[2]!, Number(process.argv[3])];
  rmSync(path, { force: true });
  const server = net.createServer(pipeTo(() => net.connect(port, '127.0.0.1')));
  server.listen(path, () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
