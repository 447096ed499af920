// Resolve then connect over TCP, each timed as its own phase; shared by tcp, tls and http.
import net from 'node:net';
import type { ProbeContext } from '../../runner/core/contract.ts';
import type { CheckRecorder } from '../../runner/core/recorder.ts';
import type { ResolvedAddress } from './resolve.ts';

export function connectSocket(address: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const onAbort = (): void => {
      socket.destroy();
      reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR', name: 'AbortError' }));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    });
  });
}

/** Resolves `host` (phase `resolve`) and connects to its first address (phase `connect`). */
export async function resolveAndConnect(
  rec: CheckRecorder,
  host: string,
  port: number,
  ctx: ProbeContext,
): Promise<{ socket: net.Socket; address: ResolvedAddress }> {
  const addresses = await rec.phase('resolve', () => ctx.resolver.lookup(host, ctx.signal));
  const address = addresses[0];
  if (!address) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENODATA' });
  rec.observe('address', address.address);
  const socket = await rec.phase('connect', () => connectSocket(address.address, port, ctx.signal));
  return { socket, address };
}
