// The parity matrix's certificate group: nginx serving chains as real servers send them, Chromium
// trusting the lab roots through its NSS database, the probe's tls and http checks.
import { CERTIFICATE_CELLS, startCertificateGroup } from '../../lab/parity/certificates.ts';
import { parityGroup } from './harness.ts';

parityGroup('certificate paths', CERTIFICATE_CELLS, startCertificateGroup, ['aia', 'aia-down']);
