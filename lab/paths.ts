// Where the repository's files are, for the lab, the tests and the benchmarks that start `vigie`.
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..');
export const VIGIE_BIN = join(REPO_ROOT, 'bin', 'vigie.js');
