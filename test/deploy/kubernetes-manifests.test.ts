import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../helpers/paths.ts';
import { manifestSafetyProblems, SERVER_CONTAINER, type EngineVariant } from './manifest-safety-problems.ts';
import { manifestSchemaProblems } from './manifest-schema-problems.ts';
import { parseManifestFile, renderKustomization, type KubernetesObject } from './render-kustomization.ts';

const KUBERNETES = join(repoRoot, 'deploy', 'kubernetes');

const ISOLATE_ONLY: EngineVariant = { engine: 'none', podSecurity: 'restricted' };
const DIND: EngineVariant = { engine: 'dind', podSecurity: 'privileged', sidecar: 'dind', loader: 'load-sandbox-images' };
const VARIANTS = [
  { folder: 'isolate-only', variant: ISOLATE_ONLY },
  { folder: 'dind', variant: DIND },
];
/** Manifests no kustomization lists: the README says when to swap them in. */
const OPTIONAL_MANIFESTS = ['base/horizontal-pod-autoscaler-queue-depth.yaml', 'base/ingress.yaml'];
/** YAML files that are not Kubernetes objects: settings for Prometheus and its adapter. */
const PROMETHEUS_FILES = ['prometheus/adapter-values.yaml', 'prometheus/scrape-config.yaml'];

function render(folder: string): KubernetesObject[] {
  return renderKustomization(join(KUBERNETES, folder), KUBERNETES).objects;
}

/** The rendered variant with the queue-depth autoscaler in place of the CPU one (as the README's swap does). */
function renderWithQueueDepthAutoscaler(folder: string): KubernetesObject[] {
  const objects = render(folder);
  const cpu = objects.findIndex((object) => object.kind === 'HorizontalPodAutoscaler');
  const [queueDepth] = parseManifestFile(join(KUBERNETES, 'base', 'horizontal-pod-autoscaler-queue-depth.yaml'));
  queueDepth!.metadata.namespace = objects[cpu]!.metadata.namespace!;
  objects[cpu] = queueDepth!;
  return objects;
}

function yamlFilesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.ya?ml$/.test(path))
    .map((path) => relative(KUBERNETES, join(folder, path)))
    .sort();
}

describe.each(VARIANTS)('deploy/kubernetes/$folder', ({ folder, variant }) => {
  it('renders offline to a Namespace, the server Deployment and what goes with it', () => {
    const kinds = render(folder).map((object) => object.kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
  });

  it('every object is valid against the Kubernetes schemas and has no unknown field', () => {
    expect(manifestSchemaProblems(render(folder))).toEqual([]);
  });

  it('passes every safety check', () => {
    expect(manifestSafetyProblems(render(folder), variant)).toEqual([]);
  });

  it('passes them too with the queue-depth autoscaler swapped in', () => {
    const objects = renderWithQueueDepthAutoscaler(folder);
    expect(manifestSchemaProblems(objects)).toEqual([]);
    expect(manifestSafetyProblems(objects, variant)).toEqual([]);
    const autoscaler = objects.find((object) => object.kind === 'HorizontalPodAutoscaler') as unknown as IHorizontalPodAutoscaler;
    expect(autoscaler.spec?.metrics?.map((metric) => metric.pods?.metric.name)).toEqual(['sandbench_queue_depth']);
  });
});

describe('deploy/kubernetes as a whole', () => {
  it('has no manifest that neither a kustomization nor the README (as an optional swap) accounts for', () => {
    const used = new Set(VARIANTS.flatMap(({ folder }) => renderKustomization(join(KUBERNETES, folder), KUBERNETES).files));
    const accounted = new Set([...used, ...OPTIONAL_MANIFESTS, ...PROMETHEUS_FILES]);
    expect(yamlFilesUnder(KUBERNETES).filter((file) => !accounted.has(file))).toEqual([]);
    const readme = readFileSync(join(KUBERNETES, 'README.md'), 'utf8');
    for (const optional of OPTIONAL_MANIFESTS) expect(readme).toContain(optional.replace(/^base\//, ''));
  });

  it('the optional Ingress is valid and routes to the Service port', () => {
    const [ingress] = parseManifestFile(join(KUBERNETES, 'base', 'ingress.yaml'));
    expect(manifestSchemaProblems([ingress!])).toEqual([]);
    const service = render('isolate-only').find((object) => object.kind === 'Service') as unknown as IService & KubernetesObject;
    const backends = (ingress!.spec as { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { number: number } } } }> } }> }).rules.flatMap(
      (rule) => rule.http.paths.map((path) => path.backend.service),
    );
    expect(backends.length).toBeGreaterThan(0);
    for (const backend of backends) expect(backend).toEqual({ name: service.metadata.name, port: { number: 8787 } });
  });

  it('the Prometheus adapter rule serves the metric the queue-depth autoscaler reads, per pod', () => {
    const values = parse(readFileSync(join(KUBERNETES, 'prometheus', 'adapter-values.yaml'), 'utf8')) as {
      rules: { custom: Array<{ seriesQuery: string; name: { as: string }; resources: { overrides: Record<string, { resource: string }> } }> };
    };
    const [autoscaler] = parseManifestFile(join(KUBERNETES, 'base', 'horizontal-pod-autoscaler-queue-depth.yaml')) as unknown as IHorizontalPodAutoscaler[];
    const metric = autoscaler!.spec!.metrics![0]!.pods!.metric.name;
    const rule = values.rules.custom.find((candidate) => candidate.name.as === metric);
    expect(rule?.seriesQuery).toContain(metric);
    expect(Object.values(rule?.resources.overrides ?? {}).map((override) => override.resource).sort()).toEqual(['namespace', 'pod']);
    const scrape = parseAllDocuments(readFileSync(join(KUBERNETES, 'prometheus', 'scrape-config.yaml'), 'utf8'));
    expect(scrape.every((document) => document.errors.length === 0)).toBe(true);
    // /metrics needs a bearer token: a scrape job without one would only collect 401s.
    expect(JSON.stringify(scrape.map((document) => document.toJS()))).toContain('credentials_file');
  });

  it("the README's Secret command creates the Secret and key the Deployments read", () => {
    const readme = readFileSync(join(KUBERNETES, 'README.md'), 'utf8');
    for (const { folder } of VARIANTS) {
      const deployment = render(folder).find((object) => object.kind === 'Deployment') as unknown as IDeployment & KubernetesObject;
      const reference = server(deployment).env?.find((entry) => entry.name === 'SANDBENCH_TOKENS')?.valueFrom?.secretKeyRef;
      expect(readme).toContain(`kubectl -n ${deployment.metadata.namespace} create secret generic ${reference?.name} --from-literal=${reference?.key}=`);
    }
  });
});

// --- The checks themselves: each is shown to fail on a manifest broken the way it guards against. ---

function server(deployment: IDeployment): IContainer {
  return deployment.spec!.template.spec!.containers.find((container) => container.name === SERVER_CONTAINER)!;
}

function initContainer(deployment: IDeployment, name: string): IContainer {
  return deployment.spec!.template.spec!.initContainers!.find((container) => container.name === name)!;
}

function one<T>(objects: KubernetesObject[], kind: string): T {
  return objects.find((object) => object.kind === kind) as unknown as T;
}

function serveYaml(objects: KubernetesObject[], change: (config: Record<string, unknown>) => void): void {
  const configMap = one<IConfigMap>(objects, 'ConfigMap');
  const config = parse(configMap.data!['serve.yaml']!) as Record<string, unknown>;
  change(config);
  configMap.data!['serve.yaml'] = JSON.stringify(config);
}

interface Mutation {
  name: string;
  variant: 'isolate-only' | 'dind';
  mutate(objects: KubernetesObject[]): void;
  expected: RegExp;
}

const SCHEMA_MUTATIONS: Mutation[] = [
  {
    name: 'a field of the wrong type',
    variant: 'isolate-only',
    mutate: (objects) => Object.assign(one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!, { minReplicas: 'two' }),
    expected: /HorizontalPodAutoscaler\/sandbench\/sandbench: .*minReplicas must be integer/,
  },
  {
    name: 'a missing required field',
    variant: 'isolate-only',
    mutate: (objects) => delete (one<IService>(objects, 'Service').spec!.ports![0] as { port?: number }).port,
    expected: /Service\/sandbench\/sandbench: data\/spec\/ports\/0 must have required property port/,
  },
  {
    name: 'a misspelt field (which the OpenAPI schema alone lets through)',
    variant: 'isolate-only',
    mutate: (objects) => {
      const security = server(one<IDeployment>(objects, 'Deployment')).securityContext as Record<string, unknown>;
      security.readOnlyRootFileSystem = security.readOnlyRootFilesystem;
      delete security.readOnlyRootFilesystem;
    },
    expected: /Deployment\/sandbench\/sandbench: .*'"readOnlyRootFileSystem"' does not exist/,
  },
  {
    name: 'a kind the checks do not know',
    variant: 'dind',
    mutate: (objects) => objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray' } }),
    expected: /Pod\/stray: v1 Pod is not a kind these checks know/,
  },
];

const mutateServerSecurity = (change: (security: Record<string, unknown>) => void) => (objects: KubernetesObject[]) =>
  change(server(one<IDeployment>(objects, 'Deployment')).securityContext as Record<string, unknown>);
const podSpecOf = (objects: KubernetesObject[]) => one<IDeployment>(objects, 'Deployment').spec!.template.spec!;

const SAFETY_MUTATIONS: Mutation[] = [
  // Container hardening.
  { name: 'a writable root filesystem', variant: 'isolate-only', mutate: mutateServerSecurity((s) => (s.readOnlyRootFilesystem = false)), expected: /container sandbench: readOnlyRootFilesystem is not true/ },
  { name: 'privilege escalation allowed', variant: 'dind', mutate: mutateServerSecurity((s) => (s.allowPrivilegeEscalation = true)), expected: /container sandbench: allowPrivilegeEscalation is not false/ },
  { name: 'capabilities kept', variant: 'isolate-only', mutate: mutateServerSecurity((s) => delete s.capabilities), expected: /container sandbench: capabilities do not drop ALL/ },
  { name: 'a capability added', variant: 'isolate-only', mutate: mutateServerSecurity((s) => (s.capabilities = { drop: ['ALL'], add: ['NET_RAW'] })), expected: /container sandbench: adds capabilities NET_RAW/ },
  { name: 'root allowed', variant: 'isolate-only', mutate: mutateServerSecurity((s) => ((s.runAsNonRoot = false), (s.runAsUser = 0))), expected: /container sandbench: runs as uid 0/ },
  { name: 'seccomp off', variant: 'dind', mutate: mutateServerSecurity((s) => (s.seccompProfile = { type: 'Unconfined' })), expected: /container sandbench: seccompProfile is Unconfined/ },
  { name: 'the server privileged', variant: 'isolate-only', mutate: mutateServerSecurity((s) => (s.privileged = true)), expected: /container sandbench: privileged/ },
  {
    name: 'a privileged container other than the named engine',
    variant: 'dind',
    mutate: (objects) => Object.assign(initContainer(one<IDeployment>(objects, 'Deployment'), 'load-sandbox-images').securityContext!, { privileged: true }),
    expected: /container load-sandbox-images: privileged/,
  },
  // The pod.
  { name: 'the service account token mounted', variant: 'isolate-only', mutate: (objects) => (podSpecOf(objects).automountServiceAccountToken = true), expected: /automountServiceAccountToken is not false/ },
  {
    name: 'a service account that mounts its token',
    variant: 'dind',
    mutate: (objects) => (one<IServiceAccount>(objects, 'ServiceAccount').automountServiceAccountToken = true),
    expected: /ServiceAccount sandbench: automountServiceAccountToken is not false/,
  },
  { name: "the node's network", variant: 'isolate-only', mutate: (objects) => (podSpecOf(objects).hostNetwork = true), expected: /hostNetwork is true/ },
  {
    name: 'a hostPath volume (the node’s Docker socket)',
    variant: 'dind',
    mutate: (objects) => podSpecOf(objects).volumes!.push({ name: 'host-docker', hostPath: { path: '/var/run/docker.sock' } }),
    expected: /volume host-docker is a hostPath/,
  },
  { name: 'no memory limit', variant: 'dind', mutate: (objects) => delete initContainer(one<IDeployment>(objects, 'Deployment'), 'dind').resources!.limits!.memory, expected: /container dind: no memory limits/ },
  // Tokens and config.
  {
    name: 'tokens written in the Deployment',
    variant: 'isolate-only',
    mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).env = [{ name: 'SANDBENCH_TOKENS', value: 'tok-0123456789abcdef' }]),
    expected: /SANDBENCH_TOKENS is written in the manifest/,
  },
  { name: 'tokens in the ConfigMap', variant: 'isolate-only', mutate: (objects) => serveYaml(objects, (config) => (config.tokens = ['tok-0123456789abcdef'])), expected: /holds tokens/ },
  { name: 'a serve.yaml the server refuses', variant: 'dind', mutate: (objects) => serveYaml(objects, (config) => (config.queue = { concurrency: 0 })), expected: /ConfigMap sandbench-serve serve.yaml: queue.concurrency/ },
  { name: 'a serve.yaml on another port', variant: 'isolate-only', mutate: (objects) => serveYaml(objects, (config) => (config.port = 9090)), expected: /port 9090, but the image serves on 8787/ },
  { name: 'a serve.yaml bound to loopback', variant: 'isolate-only', mutate: (objects) => serveYaml(objects, (config) => (config.host = '127.0.0.1')), expected: /host 127.0.0.1 is loopback/ },
  {
    name: 'the ConfigMap not mounted',
    variant: 'dind',
    mutate: (objects) => {
      const container = server(one<IDeployment>(objects, 'Deployment'));
      container.volumeMounts = container.volumeMounts!.filter((mount) => mount.mountPath !== '/etc/sandbench');
    },
    expected: /no ConfigMap is mounted so that \/etc\/sandbench\/serve.yaml exists/,
  },
  {
    name: 'the image\'s command, which reads no config file',
    variant: 'isolate-only',
    mutate: (objects) => delete server(one<IDeployment>(objects, 'Deployment')).command,
    expected: /does not run `serve --config \/etc\/sandbench\/serve.yaml` \(command: the image's\)/,
  },
  // Probes and stopping.
  {
    name: 'readiness on another path',
    variant: 'isolate-only',
    mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).readinessProbe!.httpGet!.path = '/metrics'),
    expected: /readinessProbe does not GET \/healthz/,
  },
  {
    name: 'liveness on another port',
    variant: 'dind',
    mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).livenessProbe!.httpGet!.port = 2375),
    expected: /livenessProbe port 2375 is not the service port 8787/,
  },
  { name: 'no startup probe', variant: 'isolate-only', mutate: (objects) => delete server(one<IDeployment>(objects, 'Deployment')).startupProbe, expected: /no startupProbe/ },
  {
    name: 'too short a warm-up',
    variant: 'dind',
    mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).startupProbe!.failureThreshold = 2),
    expected: /startupProbe gives the pools \d+ s to warm/,
  },
  { name: 'a grace period shorter than the server’s', variant: 'isolate-only', mutate: (objects) => (podSpecOf(objects).terminationGracePeriodSeconds = 30), expected: /terminationGracePeriodSeconds 30 s is shorter/ },
  { name: 'a server grace longer than the pod’s', variant: 'dind', mutate: (objects) => serveYaml(objects, (config) => (config.shutdownGraceMs = 120_000)), expected: /terminationGracePeriodSeconds \d+ s is shorter/ },
  {
    name: 'a liveness probe that kills a graceful stop',
    variant: 'isolate-only',
    mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).livenessProbe!.failureThreshold = 1),
    expected: /livenessProbe acts after \d+ s of failures, within a graceful stop/,
  },
  // Service, autoscaler, budget.
  { name: 'a Service that selects other pods', variant: 'isolate-only', mutate: (objects) => (one<IService>(objects, 'Service').spec!.selector = { app: 'other' }), expected: /Service\/sandbench\/sandbench: selector does not select/ },
  { name: 'a Service on the wrong target port', variant: 'dind', mutate: (objects) => (one<IService>(objects, 'Service').spec!.ports![0]!.targetPort = 8080), expected: /port 8787 targets 8080/ },
  {
    name: 'an autoscaler aimed elsewhere',
    variant: 'isolate-only',
    mutate: (objects) => (one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!.scaleTargetRef.name = 'sandbench-server'),
    expected: /scaleTargetRef apps\/v1\/Deployment\/sandbench-server is not the Deployment sandbench/,
  },
  { name: 'one replica at least', variant: 'dind', mutate: (objects) => (one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!.minReplicas = 1), expected: /minReplicas 1: one replica is no redundancy/ },
  {
    name: 'a CPU target with a container that requests no CPU',
    variant: 'dind',
    mutate: (objects) => delete initContainer(one<IDeployment>(objects, 'Deployment'), 'dind').resources!.requests!.cpu,
    expected: /scales on cpu, which container dind does not request/,
  },
  {
    name: 'a queue metric the server does not export',
    variant: 'isolate-only',
    mutate: (objects) =>
      (one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!.metrics = [
        { type: 'Pods', pods: { metric: { name: 'sandbench_queue_length' }, target: { type: 'AverageValue', averageValue: '4' } } },
      ]),
    expected: /scales on sandbench_queue_length, which the server does not export/,
  },
  { name: 'a replica count the autoscaler would fight', variant: 'isolate-only', mutate: (objects) => (one<IDeployment>(objects, 'Deployment').spec!.replicas = 3), expected: /sets spec.replicas/ },
  {
    name: 'a budget over other pods',
    variant: 'dind',
    mutate: (objects) => (one<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').spec!.selector = { matchLabels: { app: 'other' } }),
    expected: /PodDisruptionBudget\/sandbench-dind\/sandbench: selector does not select/,
  },
  { name: 'a budget that blocks every drain', variant: 'isolate-only', mutate: (objects) => (one<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').spec!.minAvailable = 2), expected: /minAvailable 2 leaves no pod evictable/ },
  // Network policy.
  { name: 'an egress rule', variant: 'isolate-only', mutate: (objects) => (one<INetworkPolicy>(objects, 'NetworkPolicy').spec!.egress = [{}]), expected: /NetworkPolicy\/sandbench\/sandbench: allows egress/ },
  {
    name: 'egress not isolated',
    variant: 'dind',
    mutate: (objects) => (one<INetworkPolicy>(objects, 'NetworkPolicy').spec!.policyTypes = ['Ingress']),
    expected: /no NetworkPolicy isolates the pods' egress/,
  },
  {
    name: 'a policy over other pods',
    variant: 'isolate-only',
    mutate: (objects) => (one<INetworkPolicy>(objects, 'NetworkPolicy').spec!.podSelector = { matchLabels: { app: 'other' } }),
    expected: /no NetworkPolicy selects the Deployment's pods/,
  },
  {
    name: 'another port open',
    variant: 'dind',
    mutate: (objects) => one<INetworkPolicy>(objects, 'NetworkPolicy').spec!.ingress!.push({ ports: [{ port: 2375, protocol: 'TCP' }] }),
    expected: /ingress allows port 2375\/TCP, not only 8787\/TCP/,
  },
  // Namespace and images.
  { name: 'an object outside the namespace', variant: 'isolate-only', mutate: (objects) => (one<IService>(objects, 'Service') as unknown as KubernetesObject).metadata.namespace = 'default', expected: /Service\/default\/sandbench: not in namespace sandbench/ },
  {
    name: 'a weaker Pod Security level',
    variant: 'isolate-only',
    mutate: (objects) => (objects.find((object) => object.kind === 'Namespace')!.metadata.labels!['pod-security.kubernetes.io/enforce'] = 'baseline'),
    expected: /enforces Pod Security 'baseline', expected 'restricted'/,
  },
  { name: 'an image the override missed', variant: 'dind', mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).image = 'sandbench-server'), expected: /image sandbench-server is not a pinned registry image/ },
  // The engine.
  {
    name: 'isolate-only replicas given an engine address',
    variant: 'isolate-only',
    mutate: (objects) => server(one<IDeployment>(objects, 'Deployment')).env!.push({ name: 'DOCKER_HOST', value: 'tcp://docker:2375' }),
    expected: /DOCKER_HOST set in an isolate-only variant/,
  },
  {
    name: 'the engine as an ordinary container (stops with the server)',
    variant: 'dind',
    mutate: (objects) => delete initContainer(one<IDeployment>(objects, 'Deployment'), 'dind').restartPolicy,
    expected: /container dind: restartPolicy is not Always/,
  },
  {
    name: 'the engine on TCP',
    variant: 'dind',
    mutate: (objects) => initContainer(one<IDeployment>(objects, 'Deployment'), 'dind').args!.push('--host=tcp://0.0.0.0:2375'),
    expected: /container dind: listens on TCP/,
  },
  {
    name: "the image's default listeners",
    variant: 'dind',
    mutate: (objects) => initContainer(one<IDeployment>(objects, 'Deployment'), 'dind').args!.shift(),
    expected: /container dind: its arguments do not start with dockerd/,
  },
  {
    name: 'the server pointed at TCP',
    variant: 'dind',
    mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).env!.find((entry) => entry.name === 'DOCKER_HOST')!.value = 'tcp://localhost:2375'),
    expected: /DOCKER_HOST tcp:\/\/localhost:2375 is not a unix socket/,
  },
  {
    name: 'the socket folder not shared',
    variant: 'dind',
    mutate: (objects) => {
      const pod = podSpecOf(objects);
      pod.volumes!.push({ name: 'other-socket', emptyDir: {} });
      server(one<IDeployment>(objects, 'Deployment')).volumeMounts!.find((mount) => mount.mountPath === '/var/run/dind')!.name = 'other-socket';
    },
    expected: /\/var\/run\/dind is not one emptyDir shared by dind and sandbench/,
  },
  { name: "the socket's group not given to the pod", variant: 'dind', mutate: (objects) => delete podSpecOf(objects).securityContext!.supplementalGroups, expected: /--group=\d+\) is not among the pod's supplementalGroups/ },
  {
    name: 'images loaded before the engine runs',
    variant: 'dind',
    mutate: (objects) => podSpecOf(objects).initContainers!.reverse(),
    expected: /load-sandbox-images runs before the engine dind starts/,
  },
  {
    name: "the engine's data root in the container's own filesystem",
    variant: 'dind',
    mutate: (objects) => {
      const engine = initContainer(one<IDeployment>(objects, 'Deployment'), 'dind');
      engine.volumeMounts = engine.volumeMounts!.filter((mount) => mount.mountPath !== '/var/lib/docker');
    },
    expected: /container dind: \/var\/lib\/docker is not an emptyDir/,
  },
  // Every other check, broken once each.
  { name: 'a Deployment selector that misses its pods', variant: 'isolate-only', mutate: (objects) => (one<IDeployment>(objects, 'Deployment').spec!.selector = { matchLabels: { app: 'other' } }), expected: /spec.selector does not select its own pod template/ },
  { name: 'a pod template without labels', variant: 'dind', mutate: (objects) => delete one<IDeployment>(objects, 'Deployment').spec!.template.metadata!.labels, expected: /the pod template has no labels/ },
  { name: 'no Deployment', variant: 'isolate-only', mutate: (objects) => objects.splice(objects.findIndex((object) => object.kind === 'Deployment'), 1), expected: /expected exactly one Deployment, found 0/ },
  { name: 'no server container', variant: 'dind', mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).name = 'server'), expected: /no container named sandbench/ },
  { name: "the node's process namespace", variant: 'dind', mutate: (objects) => (podSpecOf(objects).hostPID = true), expected: /hostPID is true/ },
  { name: 'no ServiceAccount', variant: 'isolate-only', mutate: (objects) => objects.splice(objects.findIndex((object) => object.kind === 'ServiceAccount'), 1), expected: /serviceAccountName sandbench is not among the manifests/ },
  { name: 'no ConfigMap', variant: 'dind', mutate: (objects) => objects.splice(objects.findIndex((object) => object.kind === 'ConfigMap'), 1), expected: /ConfigMap sandbench-serve with key serve.yaml \(mounted as \/etc\/sandbench\/serve.yaml\) is not among the manifests/ },
  { name: 'a probe over HTTPS', variant: 'isolate-only', mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).readinessProbe!.httpGet!.scheme = 'HTTPS'), expected: /readinessProbe scheme HTTPS/ },
  { name: 'no Service', variant: 'isolate-only', mutate: (objects) => objects.splice(objects.findIndex((object) => object.kind === 'Service'), 1), expected: /expected exactly one Service, found 0/ },
  { name: 'a NodePort Service', variant: 'dind', mutate: (objects) => (one<IService>(objects, 'Service').spec!.type = 'NodePort'), expected: /type NodePort, not ClusterIP/ },
  { name: 'a Service without the service port', variant: 'isolate-only', mutate: (objects) => (one<IService>(objects, 'Service').spec!.ports![0]!.port = 80), expected: /Service\/sandbench\/sandbench: no port 8787/ },
  { name: 'no autoscaler', variant: 'dind', mutate: (objects) => objects.splice(objects.findIndex((object) => object.kind === 'HorizontalPodAutoscaler'), 1), expected: /expected exactly one HorizontalPodAutoscaler, found 0/ },
  { name: 'maxReplicas below minReplicas', variant: 'isolate-only', mutate: (objects) => (one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!.maxReplicas = 1), expected: /maxReplicas below minReplicas/ },
  { name: 'an autoscaler without metrics', variant: 'isolate-only', mutate: (objects) => (one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!.metrics = []), expected: /HorizontalPodAutoscaler\/sandbench\/sandbench: no metrics/ },
  {
    name: 'a metric of a type these manifests do not use',
    variant: 'dind',
    mutate: (objects) =>
      (one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!.metrics = [
        { type: 'External', external: { metric: { name: 'queue_messages' }, target: { type: 'AverageValue', averageValue: '30' } } },
      ]),
    expected: /metric type External is not one these manifests use/,
  },
  { name: 'no disruption budget', variant: 'isolate-only', mutate: (objects) => objects.splice(objects.findIndex((object) => object.kind === 'PodDisruptionBudget'), 1), expected: /expected exactly one PodDisruptionBudget, found 0/ },
  { name: 'a budget as a percentage', variant: 'dind', mutate: (objects) => (one<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').spec!.minAvailable = '50%'), expected: /neither minAvailable nor maxUnavailable as a count/ },
  {
    name: 'a budget that allows no unavailable pod',
    variant: 'isolate-only',
    mutate: (objects) => {
      const spec = one<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').spec!;
      delete spec.minAvailable;
      spec.maxUnavailable = 0;
    },
    expected: /maxUnavailable 0 allows no eviction/,
  },
  { name: 'ingress not isolated', variant: 'isolate-only', mutate: (objects) => (one<INetworkPolicy>(objects, 'NetworkPolicy').spec!.policyTypes = ['Egress']), expected: /no NetworkPolicy isolates the pods' ingress/ },
  { name: 'an ingress rule for every port', variant: 'dind', mutate: (objects) => (one<INetworkPolicy>(objects, 'NetworkPolicy').spec!.ingress = [{}]), expected: /an ingress rule allows every port/ },
  { name: 'no way in to the service port', variant: 'isolate-only', mutate: (objects) => (one<INetworkPolicy>(objects, 'NetworkPolicy').spec!.ingress = []), expected: /no NetworkPolicy lets clients reach port 8787/ },
  {
    name: 'two Namespaces',
    variant: 'dind',
    mutate: (objects) => objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sandbench-extra' } }),
    expected: /expected exactly one Namespace, found 2/,
  },
  {
    name: 'an image tagged latest',
    variant: 'isolate-only',
    mutate: (objects) => (server(one<IDeployment>(objects, 'Deployment')).image = 'registry.example.com/sandbench/sandbench-server:latest'),
    expected: /image registry.example.com\/sandbench\/sandbench-server:latest is not a pinned registry image/,
  },
  {
    name: 'no engine at all',
    variant: 'dind',
    mutate: (objects) => {
      const pod = podSpecOf(objects);
      pod.initContainers = pod.initContainers!.filter((container) => container.name !== 'dind');
    },
    expected: /the privileged engine container dind is missing/,
  },
  {
    name: 'the engine on another socket than the server’s',
    variant: 'dind',
    mutate: (objects) => {
      const args = initContainer(one<IDeployment>(objects, 'Deployment'), 'dind').args!;
      args[args.indexOf('--host=unix:///var/run/dind/docker.sock')] = '--host=unix:///var/run/docker.sock';
    },
    expected: /container dind: does not listen on unix:\/\/\/var\/run\/dind\/docker.sock/,
  },
  {
    name: 'no image loader',
    variant: 'dind',
    mutate: (objects) => {
      const pod = podSpecOf(objects);
      pod.initContainers = pod.initContainers!.filter((container) => container.name !== 'load-sandbox-images');
    },
    expected: /no init container load-sandbox-images loads the sandbox images/,
  },
  {
    name: 'the loader as a sidecar',
    variant: 'dind',
    mutate: (objects) => (initContainer(one<IDeployment>(objects, 'Deployment'), 'load-sandbox-images').restartPolicy = 'Always'),
    expected: /load-sandbox-images is a sidecar/,
  },
  {
    name: 'the loader talking to another engine',
    variant: 'dind',
    mutate: (objects) => (initContainer(one<IDeployment>(objects, 'Deployment'), 'load-sandbox-images').env!.find((entry) => entry.name === 'DOCKER_HOST')!.value = 'unix:///var/run/docker.sock'),
    expected: /load-sandbox-images does not talk to unix:\/\/\/var\/run\/dind\/docker.sock/,
  },
  {
    name: 'the loader without the socket',
    variant: 'dind',
    mutate: (objects) => {
      const loader = initContainer(one<IDeployment>(objects, 'Deployment'), 'load-sandbox-images');
      loader.volumeMounts = loader.volumeMounts!.filter((mount) => mount.mountPath !== '/var/run/dind');
    },
    expected: /load-sandbox-images does not mount \/var\/run\/dind/,
  },
];

describe('the schema checks catch', () => {
  it.each(SCHEMA_MUTATIONS)('$name', ({ variant, mutate, expected }) => {
    const objects = render(variant);
    expect(manifestSchemaProblems(objects)).toEqual([]);
    mutate(objects);
    expect(manifestSchemaProblems(objects)).toContainEqual(expect.stringMatching(expected));
  });
});

describe('the safety checks catch', () => {
  it.each(SAFETY_MUTATIONS)('$name', ({ variant, mutate, expected }) => {
    const objects = render(variant);
    const engine = variant === 'dind' ? DIND : ISOLATE_ONLY;
    expect(manifestSafetyProblems(objects, engine)).toEqual([]);
    mutate(objects);
    expect(manifestSafetyProblems(objects, engine)).toContainEqual(expect.stringMatching(expected));
  });
});

describe('the offline renderer', () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  });
  const copyOfManifests = (): string => {
    const copy = mkdtempSync(join(tmpdir(), 'sandbench-kubernetes-'));
    copies.push(copy);
    cpSync(KUBERNETES, copy, { recursive: true });
    return copy;
  };
  const editKustomization = (root: string, folder: string, change: (kustomization: Record<string, unknown>) => void): void => {
    const file = join(root, folder, 'kustomization.yaml');
    const kustomization = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    change(kustomization);
    writeFileSync(file, JSON.stringify(kustomization));
  };

  it('refuses a kustomization field it would not render as kubectl does', () => {
    const root = copyOfManifests();
    editKustomization(root, 'dind', (kustomization) => (kustomization.patches = [{ path: 'patch.yaml' }]));
    expect(() => renderKustomization(join(root, 'dind'), root)).toThrow(/field 'patches' is not understood/);
  });

  it('refuses a Namespace that kustomize would rename', () => {
    const root = copyOfManifests();
    editKustomization(root, 'isolate-only', (kustomization) => (kustomization.namespace = 'elsewhere'));
    expect(() => renderKustomization(join(root, 'isolate-only'), root)).toThrow(/Namespace sandbench differs from the kustomization's namespace elsewhere/);
  });

  it('an image override that names no image leaves that image unpinned, which the checks catch', () => {
    const root = copyOfManifests();
    editKustomization(root, 'dind', (kustomization) => {
      for (const image of kustomization.images as Array<{ name: string }>) if (image.name === 'sandbench-server') image.name = 'sandbench-sever';
    });
    const objects = renderKustomization(join(root, 'dind'), root).objects;
    expect(manifestSafetyProblems(objects, DIND)).toContainEqual(expect.stringMatching(/container sandbench: image sandbench-server is not a pinned registry image/));
  });
});
