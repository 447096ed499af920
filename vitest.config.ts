import { defineConfig } from 'vitest/config';
import { SuiteSequencer } from './test/sequencer.ts';

export default defineConfig({
  test: {
    reporters: ['default'],
    sequence: { sequencer: SuiteSequencer },
    projects: [
      {
        // Most files wait on real servers and real timeouts (the CPU was idle 63 % of a run with
        // one file at a time): six at once. Of those, the image build runs at the lowest CPU priority
        // and the files measuring media wait for one another (lab/cpu-lock.ts; test/sequencer.ts
        // spreads them among the others, so that the ones waiting do not hold every place). Lab servers bind port 0 on loopback or live in network
        // namespaces of their own, so files do not see each other.
        test: {
          name: 'suite',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/image/**', 'test/soak/**', 'test/scenarios/scenarios.test.ts', 'test/parity/media.test.ts'],
          pool: 'forks',
          maxWorkers: 6,
          fileParallelism: true,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Not 0: vitest runs order-0 projects with one worker after every other group.
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Media quality is asserted (720p within 8 s, frame rates): two 720p encoders and decoders
        // need both cores, so these files run alone, one after the other, once the suite is done
        // (in parallel with the fault matrix, a two-participant call fell to 9.5 fps). The parity
        // matrix's calls are here too.
        test: {
          name: 'media',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/scenarios/scenarios.test.ts', 'test/parity/media.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 90_000,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // The container image, run once everything else is done, alone (its Chromium must not count
        // among the browser tests' processes); the suite built it meanwhile, at the lowest CPU priority.
        test: {
          name: 'image',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/image/**/*.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          testTimeout: 300_000,
          hookTimeout: 1_500_000,
          sequence: { groupOrder: 3 },
        },
      },
      {
        // The 10-minute soak: alone on the machine, last (late schedules are what it measures).
        test: {
          name: 'soak',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/soak/**/*.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          testTimeout: 1_200_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
