// Lab pages that follow the seed documents word for word, for the shipped page flows: the DCC guest
// join form (« Entrer en webconférence » → « Demander à rejoindre » → waiting room), the Maincare
// flow test page (« Lancer le test » → « Succès ») and the Sara test page (« Tester ma
// connectivité » → « Votre connexion internet est suffisante »). The real pages cannot be reached
// from here; these reproduce what the documents say a user sees. The two test pages run a real
// camera capture and a real peer connection, as the originals do.
import { startHttpOn, closedPort, type Closable } from './servers.ts';

const MEDIA_TEST = (success: string) => `
async function runTest(out) {
  out.textContent = 'Test en cours…';
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720 } });
    const a = new RTCPeerConnection(), b = new RTCPeerConnection();
    a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
    for (const t of stream.getTracks()) a.addTrack(t, stream);
    const remote = document.createElement('video');
    remote.autoplay = true;
    document.body.append(remote);
    const got = new Promise((resolve) => { b.ontrack = (e) => { remote.srcObject = e.streams[0]; resolve(); }; });
    await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
    await got;
    await new Promise((resolve, reject) => {
      const t0 = Date.now();
      const tick = async () => {
        let frames = 0;
        (await b.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded || 0; });
        if (frames > 10) return resolve();
        if (Date.now() - t0 > 15000) return reject(new Error('no frames'));
        setTimeout(tick, 250);
      };
      tick();
    });
    out.textContent = ${JSON.stringify(success)};
  } catch (e) {
    out.textContent = 'Échec : ' + e.message;
  }
}`;

const page = (title: string, body: string) =>
  `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

const DCC_FORM = page(
  'Entrer en webconférence',
  `<h1>Entrer en webconférence</h1>
<form id="f" action="/dcc/rejoindre" method="get">
  <label for="nom">Nom</label> <input id="nom" name="nom">
  <label for="prenom">Prénom</label> <input id="prenom" name="prenom">
  <label for="specialite">Spécialité</label>
  <select id="specialite" name="specialite">
    <option value="">Sélectionnez votre spécialité...</option>
    <option>Oncologie médicale</option><option>Radiothérapie</option><option>Chirurgie</option><option>Autre professionnel</option>
  </select>
  <fieldset><legend>Établissement</legend>
    <input type="radio" id="hors" name="type" value="hors"><label for="hors">Hors établissement de santé</label>
    <input type="radio" id="es" name="type" value="es"><label for="es">Établissement de santé</label>
    <input name="etablissement" placeholder="Entrez votre établissement...">
  </fieldset>
  <label for="autres">Participants supplémentaires</label>
  <textarea id="autres" name="autres" placeholder="Si vous participez avec d'autres personnes, entrez leurs noms ici."></textarea>
  <p id="err" role="alert"></p>
  <button type="submit" style="text-transform: uppercase">Entrer</button>
</form>
<script>
document.getElementById('f').addEventListener('submit', (e) => {
  const f = e.target;
  if (!f.nom.value || !f.prenom.value || !f.specialite.value) { e.preventDefault(); document.getElementById('err').textContent = 'Veuillez saisir votre nom, prénom et spécialité.'; }
});
</script>`,
);

const DCC_JOIN = page(
  'Rejoindre la séance',
  `<h1>Séance de RCP</h1>
<button id="ask">Demander à rejoindre</button>
<p id="wait" hidden>Vous arrivez dans la salle d'attente en attendant que l'organisateur de la RCP accepte votre demande</p>
<script>document.getElementById('ask').onclick = () => { document.getElementById('wait').hidden = false; };</script>`,
);

const MAINCARE = (fail: boolean) =>
  page(
    'Test d’ouverture de flux',
    `<h1>Test d’ouverture de flux</h1>
<button id="go">Lancer le test</button>
<p id="out" role="status"></p>
<script>${MEDIA_TEST('Succès')}
document.getElementById('go').onclick = () => ${fail ? "document.getElementById('out').textContent = 'Échec : flux bloqué'" : "runTest(document.getElementById('out'))"};</script>`,
  );

const SARA = page(
  'Test de compatibilité webconférence',
  `<h1>Test de compatibilité webconférence</h1>
<section><h2>Tester ma connectivité</h2>
<p>Ce test simule une vraie connexion de webconférence avec les serveurs régionaux et nécessite une webcam.</p>
<button id="go">Tester ma connectivité</button>
<p id="out" role="status"></p></section>
<script>${MEDIA_TEST('Votre connexion internet est suffisante')}
document.getElementById('go').onclick = () => runTest(document.getElementById('out'));</script>`,
  );

export interface FlowPages extends Closable {
  base: string;
}

export async function startFlowPages(): Promise<FlowPages> {
  const server = await startHttpOn(await closedPort(), (req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab');
    const routes: Record<string, string> = {
      '/dcc/acces': DCC_FORM,
      '/dcc/rejoindre': DCC_JOIN,
      '/maincare/': MAINCARE(url.searchParams.has('fail')),
      '/testvisio': SARA,
    };
    const body = routes[url.pathname];
    if (!body) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  return { ...server, base: `http://127.0.0.1:${server.port}` };
}
