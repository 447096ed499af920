// The parity matrix's media group: real calls from Chromium to Janus (full ICE, and ICE-lite with
// ICE-TCP), the hospital firewall dropping what a cell says, the probe's stun, tcp and nontls
// checks on the media ports while the calls are up.
import { MEDIA_CELLS, startMediaGroup } from '../../lab/parity/media.ts';
import { parityGroup } from './harness.ts';

parityGroup('media servers', MEDIA_CELLS, startMediaGroup);
