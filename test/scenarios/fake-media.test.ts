// The fake camera and microphone the probe gives Chromium: generated once per cache folder, in a
// child process, so that the probe's own resident memory does not keep the ~400 MiB rendering churns
// (the first process of the two-hour soak stayed at 486 MiB when it was generated in-process).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureFakeMedia, MEDIA_FPS } from '../../scenarios/lib/fake-media.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigie-media-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fake media', () => {
  it('writes a 2 s 720p MJPEG clip and a speech-like WAV without growing the probe process', async () => {
    const before = process.memoryUsage().rss;
    const media = await ensureFakeMedia(join(dir, 'media'));
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(grown).toBeLessThan(60);

    const clip = readFileSync(media.video);
    // MJPEG as Chromium's file capture reads it: JPEG pictures back to back, one per frame.
    let pictures = 0;
    for (let i = 0; i < clip.length - 1; i++) if (clip[i] === 0xff && clip[i + 1] === 0xd8) pictures++;
    expect(pictures).toBe(MEDIA_FPS * 2);
    const wav = readFileSync(media.audio);
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(48000);
    expect(wav.readUInt32LE(40)).toBe(4 * 48000 * 2);

    // Cached: a second call leaves the files as they are.
    const mtime = statSync(media.video).mtimeMs;
    await ensureFakeMedia(join(dir, 'media'));
    expect(statSync(media.video).mtimeMs).toBe(mtime);
  }, 120_000);

  it('says which folder it could not write', async () => {
    const file = join(dir, 'a-file');
    rmSync(file, { force: true });
    (await import('node:fs')).writeFileSync(file, 'x');
    await expect(ensureFakeMedia(join(file, 'media'))).rejects.toThrow(/generating the fake camera and microphone in .*a-file\/media failed: .*ENOTDIR/);
  });
});
