import { createParityLab } from './parity-lab.ts';
import { startCoturn } from '../coturn.ts';
import { makePki } from '../pki.ts';
const lab = createParityLab(['a']);
const mode = process.argv[2];
try {
  const c = await startCoturn(makePki().leaves.valid, { user: 'alice', password: 'pw' }, { netns: lab.net.platform, ip: lab.ip('a'), ports: { port: 3478, tlsPort: 443 } });
  if (process.argv[3] === 'nov6') lab.net.run(lab.net.hospital, 'sysctl', ['-w', 'net.ipv6.conf.all.disable_ipv6=1']);
  const b = await lab.chrome([], mode === 'gum' ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] : []);
  const ctx = await b.context();
  if (mode === 'grant') await ctx.grantPermissions(['camera', 'microphone']);
  const p = await ctx.newPage();
  const out = await p.evaluate(`(async () => {
    const log = ['secure ' + window.isSecureContext + ' ' + location.href];
    if (${JSON.stringify(mode)} === 'gum') { try { const s = await navigator.mediaDevices.getUserMedia({ audio: true }); log.push('gum ok'); } catch (e) { log.push('gum ' + e); } }
    const pc = new RTCPeerConnection({ iceServers: [{ urls: 'turn:a.parity.test:3478?transport=udp', username: 'alice', credential: 'bad' }, { urls: 'turn:a.parity.test:3478?transport=tcp', username: 'alice', credential: 'pw' }], iceTransportPolicy: 'relay' });
    pc.onicecandidate = (e) => e.candidate && log.push('cand ' + e.candidate.candidate + ' rp=' + e.candidate.relayProtocol + ' url=' + e.candidate.url);
    pc.onicecandidateerror = (e) => log.push('err ' + e.errorCode + ' ' + e.errorText + ' ' + e.address + ':' + e.port + ' ' + e.url);
    pc.createDataChannel('x');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 20000); });
    return log;
  })()`);
  console.log((out as string[]).join('\n'));
  await c.stop();
} finally { await lab.stop(); }
process.exit(0);
