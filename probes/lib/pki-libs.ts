// pkijs and asn1js, taken with require. Both are CommonJS; imported as ES modules, Node's loader
// keeps a second copy of each source beside the compiled one (pkijs' bundle is 0.8 MB: measured
// 3.6 MiB of heap through import against 2.8 through require).
import { createRequire } from 'node:module';
import type * as Asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';

const require = createRequire(import.meta.url);

export const pkijs = require('pkijs') as typeof Pkijs;
export const asn1js = require('asn1js') as typeof Asn1js;
