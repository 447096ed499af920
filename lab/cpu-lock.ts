// The test files that measure media (720p calls in Chromium, whose encoders and decoders need a core
// each; the relay test's loss on a 1.5 Mbit/s stream, which a CPU-starved probe inflates itself) run
// one at a time, while the files that mostly wait on servers and timeouts run beside them: a lock shared by the test workers, a directory made atomically in the system's temp folder,
// given back when the file ends (or when its process dies: a lock whose holder is gone is taken over).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'vigie-media-cpu.lock');

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // EPERM: alive but not ours. No pid file: a lock being made right now, unless it is seconds old.
    if (code === 'ENOENT') {
      try {
        return Date.now() - statSync(LOCK).mtimeMs < 10_000;
      } catch {
        return false;
      }
    }
    return code === 'EPERM';
  }
}

/** Waits for the media CPU lock (polling) and returns its release. */
export async function takeMediaCpuLock(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      const release = () => rmSync(LOCK, { recursive: true, force: true });
      process.once('exit', release);
      return () => {
        process.off('exit', release);
        release();
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!holderAlive()) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
