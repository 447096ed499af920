// The probe image, built from the repository (deploy/Dockerfile, a Debian mirror, the npm registry)
// while the suite's other files run: at the lowest CPU priority it takes only the cycles they leave
// (they mostly wait on servers and timeouts), and it starts first (test/sequencer.ts) since it needs
// the suite's whole length. test/image/ then runs the image alone, its layers cached.
import { describe, expect, it } from 'vitest';
import { buildImage, findEngine, imageSize, TEST_TAG } from '../../deploy/image.ts';

const engine = findEngine();
if (!engine) process.stderr.write('image build skipped: no container engine on this machine (podman or docker)\n');

describe.skipIf(!engine)('the probe image build', () => {
  it('builds from the repository, at the lowest CPU priority', () => {
    const tag = buildImage(engine!, { tag: TEST_TAG, quiet: true, log: () => {}, nice: true });
    expect(tag).toBe(TEST_TAG);
    expect(imageSize(engine!, tag).bytes).toBeGreaterThan(100e6);
  }, 1_500_000);
});
