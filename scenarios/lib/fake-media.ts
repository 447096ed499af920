// The fake camera and microphone: a 1280×720 MJPEG clip and a WAV, generated at first use and
// cached. Raw Y4M would cost 1.4 MB a frame; MJPEG (which Chromium's fake capture reads, looping,
// at 30 fps) keeps a 2 s clip near 6 MB. The picture has detail (noise texture, text-like bars) and
// motion (a moving block and a sweeping gradient) so the encoder works as it does on a real camera;
// the sound is speech-like (a vowel-formant tone with syllable envelopes), so Opus does not go to DTX.
// The probe generates them in a child process: rendering churns some 400 MiB that the probe's own
// heap and allocator would otherwise keep as resident memory for hours.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MEDIA_WIDTH = 1280;
export const MEDIA_HEIGHT = 720;
export const MEDIA_FPS = 30;
/** Bump when the generated content changes, so caches are rebuilt. */
const MEDIA_VERSION = 1;

export interface FakeMedia {
  video: string;
  audio: string;
}

/** Deterministic pseudo-random bytes (xorshift32), so the clip is the same on every probe. */
function noise(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function renderFrame(index: number, frames: number, width = MEDIA_WIDTH, height = MEDIA_HEIGHT): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const tex = noise(0x9e3779b9, 256 * 256);
  const phase = index / frames;
  const shift = Math.round(phase * width);
  const boxX = Math.round((width - 240) * (0.5 + 0.5 * Math.sin(2 * Math.PI * phase)));
  const boxY = Math.round((height - 240) * (0.5 + 0.5 * Math.cos(2 * Math.PI * phase)));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      // A textured background that pans: the encoder sees detail and global motion.
      const t = tex[((y + index * 3) & 255) * 256 + ((x + index * 5) & 255)]!;
      const g = ((x + shift) % width) / width;
      let r = 60 + g * 120 + (t >> 4);
      let gr = 90 + (y / height) * 100 + (t >> 4);
      let b = 140 - g * 80 + (t >> 4);
      // Text-like bars in the lower third, like a name tag.
      if (y > height * 0.8 && y < height * 0.9 && ((x >> 3) + (y >> 2)) % 5 < 3 && x < width * 0.6) r = gr = b = 235;
      // A moving, sharp-edged block, like a head moving in front of the camera.
      if (x >= boxX && x < boxX + 240 && y >= boxY && y < boxY + 240) {
        r = 220 - (t >> 3);
        gr = 170;
        b = 120 + ((x - boxX) >> 1);
      }
      rgba[o] = r;
      rgba[o + 1] = gr;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

/** A concatenation of JPEG pictures: the MJPEG form Chromium's file capture reads. Yields between frames. */
export async function mjpegClip(frames: number, quality = 75, width = MEDIA_WIDTH, height = MEDIA_HEIGHT): Promise<Buffer> {
  const { default: jpeg } = await import('jpeg-js');
  const parts: Buffer[] = [];
  for (let i = 0; i < frames; i++) {
    parts.push(jpeg.encode({ data: renderFrame(i, frames, width, height), width, height }, quality).data);
    // About 60 ms of CPU a frame: let the metrics server and other checks run in between.
    await new Promise((r) => setImmediate(r));
  }
  return Buffer.concat(parts);
}

/** 16-bit mono PCM WAV: a 150 Hz voice-like tone with formants, in 4 syllables per second. */
export function speechWav(seconds: number, rate = 48000): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const envelope = Math.max(0, Math.sin(Math.PI * ((t * 4) % 1))) ** 2;
    const f0 = 150 + 20 * Math.sin(2 * Math.PI * 0.5 * t);
    const s = 0.5 * Math.sin(2 * Math.PI * f0 * t) + 0.3 * Math.sin(2 * Math.PI * 700 * t) + 0.2 * Math.sin(2 * Math.PI * 1200 * t);
    data.writeInt16LE(Math.round(s * envelope * 0.6 * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

async function writeOnce(path: string, make: () => Buffer | Promise<Buffer>): Promise<void> {
  if (existsSync(path) && statSync(path).size > 0) return;
  // Written aside then renamed, so a probe killed mid-write never leaves a truncated clip behind.
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, await make());
  renameSync(tmp, path);
}

function mediaPaths(dir: string): FakeMedia {
  return { video: join(dir, `camera-${MEDIA_WIDTH}x${MEDIA_HEIGHT}-v${MEDIA_VERSION}.mjpeg`), audio: join(dir, `microphone-v${MEDIA_VERSION}.wav`) };
}

const present = (path: string) => existsSync(path) && statSync(path).size > 0;

/** Renders and writes the clip and the sound in `dir`, in this process. */
export async function writeFakeMedia(dir: string): Promise<FakeMedia> {
  mkdirSync(dir, { recursive: true });
  const media = mediaPaths(dir);
  await writeOnce(media.video, () => mjpegClip(MEDIA_FPS * 2));
  await writeOnce(media.audio, () => speechWav(4));
  return media;
}

/** The cached clip and sound in `dir`, generated on first use by a child process (about 4 s of CPU, once). */
export async function ensureFakeMedia(dir: string, timeoutMs = 120_000): Promise<FakeMedia> {
  const media = mediaPaths(dir);
  if (present(media.video) && present(media.audio)) return media;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(import.meta.url), dir], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = err.killed ? `no result after ${timeoutMs / 1000} s` : (stderr.trim().split('\n').pop() ?? err.message);
      reject(new Error(`generating the fake camera and microphone in ${dir} failed: ${why}`));
    });
  });
  return media;
}

// `node fake-media.ts DIR`: the child process ensureFakeMedia starts.
if (import.meta.main) {
  try {
    await writeFakeMedia(process.argv[2] ?? '.');
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
