import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  procMount?: string;
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  appArmorProfile?: { type?: string };
  sysctls?: unknown[];
  windowsOptions?: unknown;
}
interface Container {
  name: string;
  ports?: { containerPort: number; hostPort?: number }[];
  securityContext?: SecurityContext;
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  env?: { name: string; value?: string }[];
}
interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, unknown>[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: { replicas?: number; template?: { spec: PodSpec } };
}

/** An overlay as `kubectl kustomize` renders it. */
function render(path: string): Manifest[] {
  const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'packaging/kubernetes', path)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS() as Manifest);
}

/** Volume types the restricted profile allows ("Pod Security Standards", Restricted, "Volume Types"). */
const ALLOWED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/**
 * The Kubernetes "restricted" Pod Security Standard's checks (kubernetes.io/docs/concepts/security/pod-security-standards,
 * Baseline and Restricted policies), as violations: an empty list means the pod would be admitted in a namespace
 * labelled pod-security.kubernetes.io/enforce=restricted.
 */
function restrictedViolations(pod: PodSpec): string[] {
  const found: string[] = [];
  const podContext = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) found.push('host namespaces');
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name')!;
    if (!ALLOWED_VOLUMES.has(type)) found.push(`volume type ${type}`);
  }
  if (podContext.sysctls?.length) found.push('sysctls');
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const ctx = c.securityContext ?? {};
    if (ctx.privileged) found.push(`${c.name}: privileged`);
    if (c.ports?.some((p) => p.hostPort)) found.push(`${c.name}: host port`);
    if (ctx.allowPrivilegeEscalation !== false) found.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if ((ctx.runAsNonRoot ?? podContext.runAsNonRoot) !== true) found.push(`${c.name}: runAsNonRoot must be true`);
    if ((ctx.runAsUser ?? podContext.runAsUser) === 0) found.push(`${c.name}: runAsUser 0`);
    const seccomp = ctx.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') found.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
    if (!ctx.capabilities?.drop?.includes('ALL')) found.push(`${c.name}: capabilities must drop ALL`);
    if ((ctx.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) found.push(`${c.name}: adds capabilities`);
    if (ctx.procMount && ctx.procMount !== 'Default') found.push(`${c.name}: procMount`);
    const selinux = ctx.seLinuxOptions ?? podContext.seLinuxOptions;
    if (
      selinux?.user ||
      selinux?.role ||
      (selinux?.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(selinux.type))
    )
      found.push(`${c.name}: SELinux options`);
    if (ctx.appArmorProfile?.type === 'Unconfined' || podContext.appArmorProfile?.type === 'Unconfined') found.push(`${c.name}: AppArmor unconfined`);
  }
  return found;
}

const overlays = ['overlays/sqlite', 'overlays/postgres'];

describe.each(overlays)('the Kubernetes manifests, %s', (overlay) => {
  const manifests = render(overlay);
  const deployment = manifests.find((m) => m.kind === 'Deployment')!;
  const pod = deployment.spec!.template!.spec;
  const relay = pod.containers[0]!;

  it('meet the restricted Pod Security profile, with a read-only root filesystem', () => {
    expect(restrictedViolations(pod)).toEqual([]);
    // The checks themselves refuse what the profile refuses.
    const loose = structuredClone(pod);
    loose.volumes = [...(loose.volumes ?? []), { name: 'host', hostPath: { path: '/' } }];
    loose.containers[0]!.securityContext = { ...loose.containers[0]!.securityContext, allowPrivilegeEscalation: true, capabilities: { add: ['SYS_ADMIN'] } };
    expect(restrictedViolations(loose)).toEqual([
      'volume type hostPath',
      'relay: allowPrivilegeEscalation must be false',
      'relay: capabilities must drop ALL',
      'relay: adds capabilities',
    ]);
    expect(relay.securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  it('probe readiness on /readyz and liveness on /healthz, on the port the Service targets', () => {
    expect(relay.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(relay.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(relay.ports).toEqual([{ name: 'http', containerPort: 8787 }]);
    expect(manifests.find((m) => m.kind === 'Service')).toBeDefined();
  });
});

describe('the overlays', () => {
  it('run SQLite as one replica on a claim, replaced rather than doubled; PostgreSQL as several, the URL from a Secret', () => {
    const sqlite = render('overlays/sqlite');
    const one = sqlite.find((m) => m.kind === 'Deployment')!;
    expect(one.spec!.replicas).toBe(1);
    expect((one.spec as { strategy?: { type: string } }).strategy?.type).toBe('Recreate');
    expect(one.spec!.template!.spec.volumes!.find((v) => v.name === 'data')).toHaveProperty('persistentVolumeClaim');
    expect(sqlite.some((m) => m.kind === 'PersistentVolumeClaim')).toBe(true);

    const postgres = render('overlays/postgres').find((m) => m.kind === 'Deployment')!;
    expect(postgres.spec!.replicas).toBeGreaterThan(1);
    const env = postgres.spec!.template!.spec.containers[0]!.env!;
    expect(env.find((e) => e.name === 'GUARDMAIL_DATABASE_URL_FILE')?.value).toMatch(/^\/run\/secrets\//);
    expect(env.find((e) => e.name === 'GUARDMAIL_EXTENSION_KEY_FILE')?.value).toMatch(/^\/run\/secrets\//);
  });

  it('renders the optional Ingress component with TLS', () => {
    const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'packaging/kubernetes/components/ingress')], { encoding: 'utf8', stdio: 'pipe' }).trim();
    // A component renders only inside an overlay; on its own kustomize still reads it, and its Ingress names TLS.
    const ingress = parseAllDocuments(text)
      .map((d) => d.toJS() as { kind: string; spec: { tls: unknown[] } })
      .find((m) => m.kind === 'Ingress');
    expect(ingress?.spec.tls).toHaveLength(1);
  });
});
