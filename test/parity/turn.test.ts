// The parity matrix's TURN group: coturn on its own address per cell (UDP, TCP, TLS; long-term and
// REST credentials; quotas, redirections, refused certificates, dropped and closed ports), Chromium
// gathering relay candidates for every cell in one page, the probe's turn and turns checks.
import { startTurnGroup, TURN_CELLS, TURN_EXTRA_NAMES } from '../../lab/parity/turn.ts';
import { parityGroup } from './harness.ts';

parityGroup('TURN servers', TURN_CELLS, (lab) => startTurnGroup(lab), TURN_EXTRA_NAMES);
