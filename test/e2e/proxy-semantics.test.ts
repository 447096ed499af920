// What the documents say about proxies, applied in the fault lab's hospital whose only way out is an
// NTLM-only proxy: a platform whose document rejects NTLM proxies (Therap-e) fails; one whose
// clients speak NTLM (Covotem asks for the NTLM domain) is unproven through it, not failed; a
// platform used « hors proxy » is checked on the direct path, which this hospital blocks.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultLab, type FaultLab } from '../../lab/fault/fault-lab.ts';
import { netnsAvailable } from '../../lab/fault/netns.ts';
import { fixText } from '../../runner/ui/fix-text.ts';

const catalog = (platform: string, extra: string) => `platform: ${platform}
title: ${platform}
operator: Vigie lab
${extra}
urls:
  - { url: "https://portail.lab.test/", checks: [http], source: "lab : portail" }
`;

describe('proxy semantics of the catalogs (fault lab, NTLM-only proxy)', () => {
  let lab: FaultLab;
  beforeAll(async () => {
    expect(netnsAvailable()).toBe(true);
    lab = await startFaultLab();
    writeFileSync(join(lab.dir, 'ntlm-ok.yaml'), catalog('lab-ntlm-ok', 'rejects_ntlm_proxy: false'));
    writeFileSync(join(lab.dir, 'direct.yaml'), catalog('lab-direct', 'bypasses_proxy: true'));
  }, 90_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('rejects_ntlm_proxy decides failed or unproven; bypasses_proxy checks the direct path', async () => {
    await lab.apply('ntlm-proxy');
    const { results } = await lab.check(['--catalog', join(lab.dir, 'ntlm-ok.yaml'), '--catalog', join(lab.dir, 'direct.yaml'), '--kind', 'http']);
    const of = (platform: string) => results.find((r) => r.platform === platform && r.kind === 'http')!;
    expect(of('lab'), of('lab').message).toMatchObject({ status: 'failed', reason: 'proxy_ntlm_only', observations: { via_proxy: true } });
    const ok = of('lab-ntlm-ok');
    expect(ok, ok.message).toMatchObject({ status: 'unproven', reason: 'proxy_ntlm_unverified', observations: { via_proxy: true } });
    expect(fixText(ok, [], 'fr')).toMatch(/^Rien à demander pour la plateforme/);
    const direct = of('lab-direct');
    // Judged on the direct path; the proxy's path is tried alongside and reported, not judged.
    expect(direct, direct.message).toMatchObject({ status: 'failed', reason: 'timeout', observations: { via_proxy: false, proxy_path: 'unproven proxy_ntlm_unverified' } });
    expect(fixText(direct, [], 'fr')).toContain('Ouvrir 443/TCP sortant vers portail.lab.test');
  }, 60_000);
});
