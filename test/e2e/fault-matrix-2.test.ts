// The end-to-end fault matrix, second half of the profiles (the first in fault-matrix.test.ts, at
// the same time, with a lab of its own): test/e2e/fault-matrix-suite.ts.
import { profileNames } from '../../lab/fault/profiles.ts';
import { faultMatrixSuite } from './fault-matrix-suite.ts';

const all = ['none', ...profileNames()];
faultMatrixSuite(all.slice(Math.ceil(all.length / 2)), false);
