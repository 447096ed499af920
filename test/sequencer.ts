// Vitest's order (the slowest files first, from its cache or the files' sizes), with the image build
// first: at the lowest CPU priority it needs the suite's whole length (test/deploy/image-build.test.ts).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = /\/image-build\.test\.ts$/;

export class SuiteSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => FIRST.test(f.moduleId)), ...sorted.filter((f) => !FIRST.test(f.moduleId))];
  }
}
