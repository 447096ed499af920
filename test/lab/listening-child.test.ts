// A lab server whose port is taken before it binds (the race closedPort() leaves open) is started
// again elsewhere; a server that cannot start says why. Real Prometheus, as the lab runs it.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readyEndpointOk, startListeningChild, type ListeningChild } from '../../lab/listening-child.ts';
import { listen, type Closable } from '../../lab/servers.ts';
import { labTempDir } from '../../lab/temp.ts';

/** A port someone else holds: it closes every connection, so it never passes for the server. */
const takePort = () => listen(net.createServer((s) => s.destroy()));
const ready = readyEndpointOk;

describe('a lab server started on a picked port', () => {
  const started: ListeningChild[] = [];
  let holder: Closable | undefined;
  afterEach(async () => {
    for (const { child } of started.splice(0)) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    await holder?.close();
  });

  it('whose port was taken in between is started again on another port', async () => {
    holder = await takePort();
    const dir = labTempDir('vigie-lc-');
    let attempts = 0;
    const prom = await startListeningChild({
      command: 'prometheus',
      // The first attempt is given the port someone else took, as the race would.
      args: (p) => [`--config.file=/dev/null`, `--storage.tsdb.path=${dir}/data${attempts}`, `--web.listen-address=127.0.0.1:${attempts++ === 0 ? holder!.port : p}`],
      ready,
    });
    started.push(prom);
    expect(attempts).toBe(2);
    expect(prom.port).not.toBe(holder.port);
    expect(await ready(prom.port)).toBe(true);
  });

  it('on a fixed port that is taken, fails with the reason from its own log', async () => {
    holder = await takePort();
    const dir = labTempDir('vigie-lc-');
    await expect(startListeningChild({ command: 'prometheus', args: (p) => [`--config.file=/dev/null`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${p}`], ready, port: holder.port })).rejects.toThrow(
      new RegExp(`prometheus on 127\\.0\\.0\\.1:${holder.port} exited \\(1\\); its log ends with:\\n[^]*address already in use`),
    );
  });
});
