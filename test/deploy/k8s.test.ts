// The Kubernetes manifests (deploy/k8s): rendered with kubectl's Kustomize, every object checked
// against the Kubernetes schemas (kubernetes-models' validators, from the upstream OpenAPI), the
// generated ConfigMaps current, and what each overlay is for actually done.
import { REPO_ROOT } from '../../lab/paths.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { k8sConfigMaps } from '../../deploy/k8s/generate.ts';

const K8S = join(REPO_ROOT, 'deploy', 'k8s');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function render(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', join(K8S, dir)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJSON() as K8sObject);
}

async function validate(o: K8sObject): Promise<void> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
  const mod = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`)) as Record<string, new (x: unknown) => { validate(): void }>;
  new mod[o.kind]!(o).validate();
}

const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe('Kubernetes manifests', () => {
  it('the schema check rejects a malformed object (it can fail)', async () => {
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: { spec: { containers: [{ name: 'x' }] } } } };
    await expect(validate(bad as unknown as K8sObject)).rejects.toThrow(/replicas/);
  });

  for (const dir of ['central', 'overlays/region-example', 'overlays/mimir-regions', 'probe']) {
    it(`${dir} renders and every object is valid against the Kubernetes schemas`, async () => {
      const objs = render(dir);
      expect(objs.length).toBeGreaterThan(dir === 'probe' ? 1 : 5);
      for (const o of objs) await expect(validate(o), `${o.kind}/${o.metadata.name}`).resolves.toBeUndefined();
      // No secret is committed: Secrets are created by the region.
      expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
      // Every workload runs as non-root on a read-only root filesystem, with limits.
      for (const w of objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
        const pod = (w.spec as { template: { spec: { securityContext: { runAsNonRoot: boolean }; containers: { securityContext: { readOnlyRootFilesystem: boolean }; resources: { limits: Record<string, string> } }[] } } }).template.spec;
        expect(pod.securityContext.runAsNonRoot, w.metadata.name).toBe(true);
        for (const c of pod.containers) {
          expect(c.securityContext.readOnlyRootFilesystem, w.metadata.name).toBe(true);
          expect(Object.keys(c.resources.limits).sort(), w.metadata.name).toEqual(['cpu', 'memory']);
        }
      }
    });
  }

  it('the probe runs as the image does: uid 1000, the health check as probes, the sandbox allowed by the shipped seccomp profile', () => {
    const deployment = find(render('probe'), 'Deployment', 'vigie') as unknown as { spec: { template: { spec: { securityContext: { runAsUser: number; seccompProfile: { type: string; localhostProfile: string } }; containers: { livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } }; ports: { containerPort: number }[] }[] } } } };
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsUser).toBe(1000);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'vigie/chromium.json' });
    expect(existsSync(join(K8S, '..', 'seccomp', 'chromium.json'))).toBe(true);
    const [c] = pod.containers;
    expect([c!.livenessProbe.httpGet.path, c!.readinessProbe.httpGet.path]).toEqual(['/healthz', '/readyz']);
    expect(c!.ports[0]!.containerPort).toBe(9464);
  });

  it('the generated ConfigMaps are current and carry the shipped rules and dashboards', () => {
    for (const [file, text] of Object.entries(k8sConfigMaps())) expect(readFileSync(join(K8S, 'central', 'generated', file), 'utf8'), file).toBe(text);
    const objs = render('central');
    expect(find(objs, 'ConfigMap', 'vigie-rules')!.data!['vigie-rules.yaml']).toBe(readFileSync(join(K8S, '..', 'prometheus', 'vigie-rules.yaml'), 'utf8'));
    expect(Object.keys(find(objs, 'ConfigMap', 'grafana-dashboards')!.data!).sort()).toEqual(['vigie-endpoint.json', 'vigie-establishment.json', 'vigie-fleet.json', 'vigie-media.json']);
    expect(objs.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'vigie')).toBe(true);
  });

  it('the region overlay moves everything to its namespace and host names', () => {
    const objs = render('overlays/region-example');
    expect(objs.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'vigie-ara')).toBe(true);
    expect(find(objs, 'Namespace', 'vigie-ara')).toBeDefined();
    expect(JSON.stringify(find(objs, 'Ingress', 'vigie'))).toContain('metrics.ara.example');
    expect(JSON.stringify(find(objs, 'StatefulSet', 'prometheus'))).toContain('--web.external-url=https://metrics.ara.example/');
  });

  it('the Mimir overlay drops the regional Prometheus and points Grafana at Mimir', () => {
    const objs = render('overlays/mimir-regions');
    expect(find(objs, 'StatefulSet', 'prometheus')).toBeUndefined();
    expect(find(objs, 'Ingress', 'vigie')).toBeUndefined();
    expect(find(objs, 'ConfigMap', 'grafana-datasources')!.data!['prometheus.yaml']).toContain('mimir-query-frontend');
    expect(find(objs, 'StatefulSet', 'alertmanager')).toBeDefined();
  });
});
