// Every cell of the parity matrix, group by group: what docs/parity.md lists and test/parity/ proves.
import type { ParityCell } from './cell.ts';
import { CERTIFICATE_CELLS } from './certificates.ts';
import { MEDIA_CELLS } from './media.ts';
import { MIDDLEBOX_CELLS } from './middlebox.ts';
import { TURN_CELLS } from './turn.ts';

export const PARITY_CELLS: readonly ParityCell[] = [...CERTIFICATE_CELLS, ...TURN_CELLS, ...MEDIA_CELLS, ...MIDDLEBOX_CELLS];
