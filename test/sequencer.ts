// The suite's order: the image build first (at the lowest CPU priority it needs the suite's whole
// length, test/deploy/image-build.test.ts), then vitest's own order (the slowest files first, from its
// cache or the files' sizes) with the files that wait for the media CPU lock (lab/cpu-lock.ts) spread
// among the others: one after every few, so that files waiting for the lock do not hold every place
// while the files that could run meanwhile queue behind them.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = /\/image-build\.test\.ts$/;
/** The files that take the media CPU lock (they say so where they call takeMediaCpuLock). */
const MEDIA_LOCKED = [/\/e2e\/demo\.test\.ts$/, /\/e2e\/ice-media-port\.test\.ts$/, /\/e2e\/alerting-browser\.test\.ts$/, /\/e2e\/fault-matrix(-2)?\.test\.ts$/, /\/probes\/relay\.test\.ts$/];
/** Other files between two locked ones. */
const SPACING = 6;

export class SuiteSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = sorted.filter((f) => FIRST.test(f.moduleId));
    const locked = sorted.filter((f) => MEDIA_LOCKED.some((re) => re.test(f.moduleId)));
    const others = sorted.filter((f) => !first.includes(f) && !locked.includes(f));
    const out = [...first];
    while (locked.length || others.length) {
      const l = locked.shift();
      if (l) out.push(l);
      out.push(...others.splice(0, SPACING));
    }
    return out;
  }
}
