// The end-to-end fault matrix, first half of the profiles and the document's overview (the rest in
// fault-matrix-2.test.ts, at the same time, with a lab of its own): test/e2e/fault-matrix-suite.ts.
import { profileNames } from '../../lab/fault/profiles.ts';
import { faultMatrixSuite } from './fault-matrix-suite.ts';

const all = ['none', ...profileNames()];
faultMatrixSuite(all.slice(0, Math.ceil(all.length / 2)), true);
