// The parity matrix's middlebox group: what hospital networks put between the browser and the
// platform (TLS inspection, SNI filtering, a firewall breaking on large hellos, an MTU black hole,
// an explicit proxy), with Chromium and the probe's tls and http checks through them.
import { MIDDLEBOX_CELLS, startMiddleboxGroup } from '../../lab/parity/middlebox.ts';
import { parityGroup } from './harness.ts';

parityGroup('middleboxes', MIDDLEBOX_CELLS, startMiddleboxGroup, ['mbox', 'proxy']);
