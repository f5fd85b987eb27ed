import { posix } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parse } from 'yaml';
import { isLoopbackHost, parseServerConfig, type ServerConfig } from '../../src/server/server-config.ts';
import { ServerMetrics } from '../../src/server/server-metrics.ts';
import { objectLabel } from './manifest-schema-problems.ts';
import type { KubernetesObject } from './render-kustomization.ts';

/** The server container's name in the Deployment. */
export const SERVER_CONTAINER = 'sandbench';
/** The port the server image binds (`sandbench serve --port 8787` in its command). */
export const SERVICE_PORT = 8787;
/** Where the server image reads its config (`--config` in its command). */
export const SERVE_CONFIG_PATH = '/etc/sandbench/serve.yaml';
/** Time the server may spend after its grace period: removing containers and isolate workers. */
const CLEANUP_MARGIN_MS = 10_000;
/** The shortest startup window accepted: pools warm before `/healthz` says 200. */
const MINIMUM_STARTUP_WINDOW_MS = 60_000;

/** How a variant serves the Docker backend, and what its pods may therefore do. */
export type EngineVariant =
  | {
      /** Isolate-only replicas: no engine, no privileged container at all. */
      engine: 'none';
      /** The Pod Security Standard its namespace must enforce. */
      podSecurity: 'restricted';
    }
  | {
      /** A Docker-in-Docker engine in each pod, reached through a unix socket on a shared emptyDir. */
      engine: 'dind';
      podSecurity: 'privileged';
      /** The engine's container: the one container allowed to run privileged. */
      sidecar: string;
      /** The init container that loads the sandbox images into the engine. */
      loader: string;
    };

interface Context {
  objects: readonly KubernetesObject[];
  deployment: IDeployment & KubernetesObject;
  podSpec: IPodSpec;
  podLabels: Record<string, string>;
  server: IContainer;
  /** Containers and init containers, in that order. */
  allContainers: IContainer[];
  config?: ServerConfig;
  problems: string[];
}

/**
 * What must hold, for safety and for the service to work at all, in one rendered variant (a
 * Namespace, a Deployment of the server and what goes with it). Each problem is a sentence
 * naming the object and field; none means every check passed.
 */
export function manifestSafetyProblems(objects: readonly KubernetesObject[], variant: EngineVariant): string[] {
  const problems: string[] = [];
  const deployments = objects.filter((object) => object.kind === 'Deployment');
  if (deployments.length !== 1) return [`expected exactly one Deployment, found ${deployments.length}`];
  const deployment = deployments[0] as IDeployment & KubernetesObject;
  const podSpec = deployment.spec?.template.spec;
  const podLabels = deployment.spec?.template.metadata?.labels ?? {};
  const server = podSpec?.containers.find((container) => container.name === SERVER_CONTAINER);
  if (!podSpec || !server) return [`${objectLabel(deployment)}: no container named ${SERVER_CONTAINER}`];
  const context: Context = {
    objects,
    deployment,
    podSpec,
    podLabels,
    server,
    allContainers: [...podSpec.containers, ...(podSpec.initContainers ?? [])],
    problems,
  };
  if (Object.keys(podLabels).length === 0) problems.push(`${objectLabel(deployment)}: the pod template has no labels to select it by`);
  if (!selects(deployment.spec?.selector?.matchLabels, podLabels, deployment.spec?.selector?.matchExpressions)) {
    problems.push(`${objectLabel(deployment)}: spec.selector does not select its own pod template`);
  }
  context.config = serveConfig(context);
  containerHardening(context, variant);
  podHardening(context);
  resourceBounds(context);
  tokens(context);
  probes(context);
  gracefulStop(context);
  service(context);
  const autoscaler = horizontalPodAutoscaler(context);
  disruptionBudget(context, autoscaler);
  networkPolicy(context);
  namespace(context, variant);
  images(context);
  if (variant.engine === 'dind') dockerInDocker(context, variant);
  else noEngine(context);
  return problems;
}

/** Whether a label selector (`matchLabels` only; expressions are not used here) selects `labels`. */
function selects(matchLabels: Record<string, string> | undefined, labels: Record<string, string>, expressions?: unknown[]): boolean {
  if (expressions && expressions.length > 0) return false;
  const wanted = Object.entries(matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels[key] === value);
}

function ofKind<T>(context: Context, kind: string): Array<T & KubernetesObject> {
  return context.objects.filter((object) => object.kind === kind) as Array<T & KubernetesObject>;
}

/** The server's config file as the pod will see it: the ConfigMap key mounted at SERVE_CONFIG_PATH, parsed by the server's own parser. */
function serveConfig(context: Context): ServerConfig | undefined {
  const { server, podSpec, deployment, problems } = context;
  // The image's own command reads no config file: the container's command must name it.
  const argv = [...(server.command ?? []), ...(server.args ?? [])];
  const configFlag = argv.indexOf('--config');
  if (!argv.includes('serve') || configFlag < 0 || argv[configFlag + 1] !== SERVE_CONFIG_PATH) {
    problems.push(`${objectLabel(deployment)}: container ${SERVER_CONTAINER} does not run \`serve --config ${SERVE_CONFIG_PATH}\` (command: ${argv.join(' ') || 'the image\'s'})`);
  }
  const folder = posix.dirname(SERVE_CONFIG_PATH);
  const fileName = posix.basename(SERVE_CONFIG_PATH);
  let configMapName: string | undefined;
  let key: string | undefined;
  for (const mount of server.volumeMounts ?? []) {
    const volume = podSpec.volumes?.find((candidate) => candidate.name === mount.name);
    if (!volume?.configMap) continue;
    if (mount.mountPath === folder && !mount.subPath) {
      const item = volume.configMap.items?.find((candidate) => candidate.path === fileName);
      key = volume.configMap.items ? item?.key : fileName;
    } else if (mount.mountPath === SERVE_CONFIG_PATH && mount.subPath) {
      key = volume.configMap.items ? volume.configMap.items.find((candidate) => candidate.path === mount.subPath)?.key : mount.subPath;
    } else continue;
    configMapName = volume.configMap.name;
  }
  if (!configMapName || !key) {
    problems.push(`${objectLabel(deployment)}: no ConfigMap is mounted so that ${SERVE_CONFIG_PATH} exists in container ${SERVER_CONTAINER}`);
    return undefined;
  }
  const configMap = ofKind<IConfigMap>(context, 'ConfigMap').find((candidate) => candidate.metadata.name === configMapName);
  const text = configMap?.data?.[key];
  if (text === undefined) {
    problems.push(`${objectLabel(deployment)}: ConfigMap ${configMapName} with key ${key} (mounted as ${SERVE_CONFIG_PATH}) is not among the manifests`);
    return undefined;
  }
  let config: ServerConfig;
  try {
    config = parseServerConfig(parse(text), `ConfigMap ${configMapName} ${key}`);
  } catch (error) {
    problems.push(`${(error as Error).message}`);
    return undefined;
  }
  const label = `ConfigMap ${configMapName} ${key}`;
  if (config.port !== SERVICE_PORT) problems.push(`${label}: port ${config.port}, but the image serves on ${SERVICE_PORT}`);
  if (isLoopbackHost(config.host)) problems.push(`${label}: host ${config.host} is loopback: the Service could not reach it`);
  if (config.tokens.length > 0) problems.push(`${label}: holds tokens; they belong in the Secret (SANDBENCH_TOKENS), not in a ConfigMap`);
  return config;
}

function containerHardening(context: Context, variant: EngineVariant): void {
  const { podSpec, deployment, allContainers, problems } = context;
  const exempt = variant.engine === 'dind' ? variant.sidecar : undefined;
  if (exempt && !allContainers.some((container) => container.name === exempt)) {
    problems.push(`${objectLabel(deployment)}: the privileged engine container ${exempt} is missing`);
  }
  const pod = podSpec.securityContext ?? {};
  for (const container of allContainers) {
    const label = `${objectLabel(deployment)} container ${container.name}`;
    const security = container.securityContext ?? {};
    if (container.name === exempt) {
      // The one exception, kept narrow: it may be privileged, but gets no host namespaces or host paths (checked for the pod).
      continue;
    }
    if (security.privileged === true) problems.push(`${label}: privileged`);
    if (security.readOnlyRootFilesystem !== true) problems.push(`${label}: readOnlyRootFilesystem is not true`);
    if (security.allowPrivilegeEscalation !== false) problems.push(`${label}: allowPrivilegeEscalation is not false`);
    if (!security.capabilities?.drop?.includes('ALL')) problems.push(`${label}: capabilities do not drop ALL`);
    if ((security.capabilities?.add ?? []).length > 0) problems.push(`${label}: adds capabilities ${security.capabilities?.add?.join(', ')}`);
    if ((security.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${label}: runAsNonRoot is not true`);
    if ((security.runAsUser ?? pod.runAsUser) === 0) problems.push(`${label}: runs as uid 0`);
    const seccomp = security.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${label}: seccompProfile is ${seccomp ?? 'unset'}, not RuntimeDefault`);
  }
}

function podHardening(context: Context): void {
  const { podSpec, deployment, problems } = context;
  const label = objectLabel(deployment);
  if (podSpec.automountServiceAccountToken !== false) problems.push(`${label}: automountServiceAccountToken is not false`);
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (podSpec[field] === true) problems.push(`${label}: ${field} is true`);
  }
  for (const volume of podSpec.volumes ?? []) {
    if (volume.hostPath) problems.push(`${label}: volume ${volume.name} is a hostPath`);
  }
  const accountName = podSpec.serviceAccountName;
  const account = ofKind<IServiceAccount>(context, 'ServiceAccount').find((candidate) => candidate.metadata.name === accountName);
  if (!accountName || !account) problems.push(`${label}: serviceAccountName ${accountName ?? '(unset)'} is not among the manifests`);
  else if (account.automountServiceAccountToken !== false) problems.push(`ServiceAccount ${accountName}: automountServiceAccountToken is not false`);
}

/** Every container has CPU and memory requests (the scheduler, the CPU autoscaler) and limits (a runaway stays in its pod). */
function resourceBounds(context: Context): void {
  for (const container of context.allContainers) {
    for (const bound of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (container.resources?.[bound]?.[resource] === undefined) {
          context.problems.push(`${objectLabel(context.deployment)} container ${container.name}: no ${resource} ${bound}`);
        }
      }
    }
  }
}

function tokens(context: Context): void {
  const variable = context.server.env?.find((entry) => entry.name === 'SANDBENCH_TOKENS');
  const label = `${objectLabel(context.deployment)} container ${SERVER_CONTAINER}`;
  if (!variable?.valueFrom?.secretKeyRef) context.problems.push(`${label}: SANDBENCH_TOKENS does not come from a Secret`);
  if (variable?.value !== undefined) context.problems.push(`${label}: SANDBENCH_TOKENS is written in the manifest`);
}

/** A container port named `name`, or the number itself. */
function resolvePort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

function probes(context: Context): void {
  const { server, deployment } = context;
  const label = `${objectLabel(deployment)} container ${SERVER_CONTAINER}`;
  for (const field of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
    const probe = server[field];
    if (!probe) {
      context.problems.push(`${label}: no ${field}`);
      continue;
    }
    const get = probe.httpGet;
    if (get?.path !== '/healthz') context.problems.push(`${label}: ${field} does not GET /healthz`);
    const port = resolvePort(server, get?.port);
    if (port !== SERVICE_PORT) context.problems.push(`${label}: ${field} port ${String(get?.port)} is not the service port ${SERVICE_PORT}`);
    if (get?.scheme !== undefined && get.scheme !== 'HTTP') context.problems.push(`${label}: ${field} scheme ${get.scheme} (the server speaks HTTP)`);
  }
  const startup = server.startupProbe;
  if (startup && windowMs(startup) < MINIMUM_STARTUP_WINDOW_MS) {
    context.problems.push(`${label}: startupProbe gives the pools ${windowMs(startup) / 1000} s to warm, less than ${MINIMUM_STARTUP_WINDOW_MS / 1000} s`);
  }
}

/** How long a probe fails before it acts (Kubernetes' defaults: every 10 s, 3 failures). */
function windowMs(probe: { periodSeconds?: number; failureThreshold?: number }): number {
  return (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3) * 1000;
}

/** A graceful stop fits in the pod's grace period, and the liveness probe cannot cut it short. */
function gracefulStop(context: Context): void {
  const { server, podSpec, deployment, config } = context;
  if (!config) return;
  const label = objectLabel(deployment);
  const preStopMs = (server.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  const graceMs = (podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
  const needed = preStopMs + config.shutdownGraceMs + CLEANUP_MARGIN_MS;
  if (graceMs < needed) {
    context.problems.push(
      `${label}: terminationGracePeriodSeconds ${graceMs / 1000} s is shorter than preStop ${preStopMs / 1000} s + shutdownGraceMs ${config.shutdownGraceMs / 1000} s + ${CLEANUP_MARGIN_MS / 1000} s of cleanup`,
    );
  }
  // /healthz answers 503 (then nothing) once the stop begins; a liveness probe that acted within the grace would kill work in flight.
  if (server.livenessProbe && windowMs(server.livenessProbe) <= preStopMs + config.shutdownGraceMs) {
    context.problems.push(`${label}: livenessProbe acts after ${windowMs(server.livenessProbe) / 1000} s of failures, within a graceful stop (${(preStopMs + config.shutdownGraceMs) / 1000} s)`);
  }
}

function service(context: Context): void {
  const services = ofKind<IService>(context, 'Service');
  if (services.length !== 1) {
    context.problems.push(`expected exactly one Service, found ${services.length}`);
    return;
  }
  const svc = services[0]!;
  const label = objectLabel(svc);
  if ((svc.spec?.type ?? 'ClusterIP') !== 'ClusterIP') context.problems.push(`${label}: type ${svc.spec?.type}, not ClusterIP`);
  if (!selects(svc.spec?.selector, context.podLabels)) context.problems.push(`${label}: selector does not select the Deployment's pods`);
  const port = svc.spec?.ports?.find((candidate) => candidate.port === SERVICE_PORT);
  if (!port) context.problems.push(`${label}: no port ${SERVICE_PORT}`);
  else if (resolvePort(context.server, port.targetPort ?? port.port) !== SERVICE_PORT) {
    context.problems.push(`${label}: port ${SERVICE_PORT} targets ${String(port.targetPort)}, not the server's port ${SERVICE_PORT}`);
  }
}

function horizontalPodAutoscaler(context: Context): (IHorizontalPodAutoscaler & KubernetesObject) | undefined {
  const autoscalers = ofKind<IHorizontalPodAutoscaler>(context, 'HorizontalPodAutoscaler');
  if (autoscalers.length !== 1) {
    context.problems.push(`expected exactly one HorizontalPodAutoscaler, found ${autoscalers.length}`);
    return undefined;
  }
  const autoscaler = autoscalers[0]!;
  const label = objectLabel(autoscaler);
  const target = autoscaler.spec?.scaleTargetRef;
  if (target?.apiVersion !== 'apps/v1' || target.kind !== 'Deployment' || target.name !== context.deployment.metadata.name) {
    context.problems.push(`${label}: scaleTargetRef ${target?.apiVersion}/${target?.kind}/${target?.name} is not the Deployment ${context.deployment.metadata.name}`);
  }
  const minimum = autoscaler.spec?.minReplicas ?? 1;
  if (minimum < 2) context.problems.push(`${label}: minReplicas ${minimum}: one replica is no redundancy`);
  if ((autoscaler.spec?.maxReplicas ?? 0) < minimum) context.problems.push(`${label}: maxReplicas below minReplicas`);
  // The autoscaler owns the replica count: a count in the Deployment would reset it on every apply.
  if (context.deployment.spec?.replicas !== undefined) context.problems.push(`${objectLabel(context.deployment)}: sets spec.replicas, which the autoscaler owns`);
  const metrics = autoscaler.spec?.metrics ?? [];
  if (metrics.length === 0) context.problems.push(`${label}: no metrics`);
  const exported = new Set(new ServerMetrics({ queue: () => ({ waiting: 0, running: 0 }), poolSizes: () => ({}) }).registry.getMetricsAsArray().map((metric) => metric.name));
  for (const metric of metrics) {
    if (metric.type === 'Resource' && metric.resource) {
      // Utilisation is usage over requests, summed over the pod's containers: each one needs the request.
      for (const container of context.allContainers) {
        if (container.resources?.requests?.[metric.resource.name] === undefined) {
          context.problems.push(`${label}: scales on ${metric.resource.name}, which container ${container.name} does not request`);
        }
      }
    } else if (metric.type === 'Pods' && metric.pods) {
      if (!exported.has(metric.pods.metric.name)) context.problems.push(`${label}: scales on ${metric.pods.metric.name}, which the server does not export`);
    } else context.problems.push(`${label}: metric type ${metric.type} is not one these manifests use`);
  }
  return autoscaler;
}

function disruptionBudget(context: Context, autoscaler: IHorizontalPodAutoscaler | undefined): void {
  const budgets = ofKind<IPodDisruptionBudget>(context, 'PodDisruptionBudget');
  if (budgets.length !== 1) {
    context.problems.push(`expected exactly one PodDisruptionBudget, found ${budgets.length}`);
    return;
  }
  const budget = budgets[0]!;
  const label = objectLabel(budget);
  if (!selects(budget.spec?.selector?.matchLabels, context.podLabels, budget.spec?.selector?.matchExpressions)) {
    context.problems.push(`${label}: selector does not select the Deployment's pods`);
  }
  const { minAvailable, maxUnavailable } = budget.spec ?? {};
  if (typeof minAvailable === 'number') {
    // A budget that allows no eviction at the smallest size blocks node drains for good.
    if (autoscaler && minAvailable >= (autoscaler.spec?.minReplicas ?? 1)) context.problems.push(`${label}: minAvailable ${minAvailable} leaves no pod evictable at minReplicas`);
  } else if (typeof maxUnavailable === 'number') {
    if (maxUnavailable < 1) context.problems.push(`${label}: maxUnavailable ${maxUnavailable} allows no eviction`);
  } else context.problems.push(`${label}: neither minAvailable nor maxUnavailable as a count`);
}

function networkPolicy(context: Context): void {
  const policies = ofKind<INetworkPolicy>(context, 'NetworkPolicy').filter((policy) => {
    const selector = policy.spec?.podSelector;
    // An empty selector selects every pod of the namespace.
    return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0
      ? true
      : selects(selector?.matchLabels, context.podLabels, selector?.matchExpressions);
  });
  if (policies.length === 0) {
    context.problems.push(`no NetworkPolicy selects the Deployment's pods`);
    return;
  }
  // Policies add up: one rule anywhere that allows egress opens it.
  if (!policies.some((policy) => policy.spec?.policyTypes?.includes('Egress'))) context.problems.push(`no NetworkPolicy isolates the pods' egress (policyTypes Egress)`);
  for (const policy of policies) {
    if ((policy.spec?.egress ?? []).length > 0) context.problems.push(`${objectLabel(policy)}: allows egress`);
  }
  if (!policies.some((policy) => policy.spec?.policyTypes?.includes('Ingress'))) context.problems.push(`no NetworkPolicy isolates the pods' ingress (policyTypes Ingress)`);
  let servicePortOpen = false;
  for (const policy of policies) {
    for (const rule of policy.spec?.ingress ?? []) {
      const ports = rule.ports ?? [];
      if (ports.length === 0) context.problems.push(`${objectLabel(policy)}: an ingress rule allows every port`);
      for (const port of ports) {
        if (resolvePort(context.server, port.port) !== SERVICE_PORT || (port.protocol ?? 'TCP') !== 'TCP' || port.endPort !== undefined) {
          context.problems.push(`${objectLabel(policy)}: ingress allows port ${String(port.port)}/${port.protocol ?? 'TCP'}, not only ${SERVICE_PORT}/TCP`);
        } else servicePortOpen = true;
      }
    }
  }
  if (!servicePortOpen) context.problems.push(`no NetworkPolicy lets clients reach port ${SERVICE_PORT}`);
}

function namespace(context: Context, variant: EngineVariant): void {
  const namespaces = context.objects.filter((object) => object.kind === 'Namespace');
  if (namespaces.length !== 1) {
    context.problems.push(`expected exactly one Namespace, found ${namespaces.length}`);
    return;
  }
  const name = namespaces[0]!.metadata.name;
  for (const object of context.objects) {
    if (object.kind !== 'Namespace' && object.metadata.namespace !== name) context.problems.push(`${objectLabel(object)}: not in namespace ${name}`);
  }
  const enforced = namespaces[0]!.metadata.labels?.['pod-security.kubernetes.io/enforce'];
  if (enforced !== variant.podSecurity) context.problems.push(`Namespace ${name}: enforces Pod Security '${enforced ?? 'nothing'}', expected '${variant.podSecurity}'`);
}

/** Every image is pinned in a registry: the kustomization's `images` overrides reached each container. */
function images(context: Context): void {
  for (const container of context.allContainers) {
    const image = container.image ?? '';
    const slash = image.lastIndexOf('/');
    const colon = image.lastIndexOf(':');
    const tag = colon > slash ? image.slice(colon + 1) : undefined;
    if (slash < 0 || tag === undefined || tag === 'latest') {
      context.problems.push(`${objectLabel(context.deployment)} container ${container.name}: image ${image} is not a pinned registry image`);
    }
  }
}

function environment(container: IContainer, name: string): string | undefined {
  return container.env?.find((entry) => entry.name === name)?.value;
}

/** The mount of `folder` in `container`, and its volume. */
function mountOf(context: Context, container: IContainer, folder: string) {
  const mount = container.volumeMounts?.find((candidate) => candidate.mountPath === folder);
  const volume = mount ? context.podSpec.volumes?.find((candidate) => candidate.name === mount.name) : undefined;
  return { mount, volume };
}

function dockerInDocker(context: Context, variant: Extract<EngineVariant, { engine: 'dind' }>): void {
  const { podSpec, server, deployment } = context;
  const label = objectLabel(deployment);
  const initContainers = podSpec.initContainers ?? [];
  const sidecarIndex = initContainers.findIndex((container) => container.name === variant.sidecar);
  const sidecar = initContainers[sidecarIndex];
  if (!sidecar) {
    context.problems.push(`${label}: the engine ${variant.sidecar} is not an init container (a native sidecar)`);
    return;
  }
  // A native sidecar starts before the server and stops after it: the server removes its sandbox containers on the way out.
  if (sidecar.restartPolicy !== 'Always') context.problems.push(`${label} container ${variant.sidecar}: restartPolicy is not Always (not a native sidecar)`);
  const address = environment(server, 'DOCKER_HOST');
  if (!address?.startsWith('unix://')) {
    context.problems.push(`${label} container ${SERVER_CONTAINER}: DOCKER_HOST ${address ?? '(unset)'} is not a unix socket`);
    return;
  }
  const socketFolder = posix.dirname(address.slice('unix://'.length));
  const serverSide = mountOf(context, server, socketFolder);
  const engineSide = mountOf(context, sidecar, socketFolder);
  if (!serverSide.volume?.emptyDir || serverSide.mount?.name !== engineSide.mount?.name) {
    context.problems.push(`${label}: ${socketFolder} is not one emptyDir shared by ${variant.sidecar} and ${SERVER_CONTAINER}`);
  }
  const args = [...(sidecar.command ?? []), ...(sidecar.args ?? [])];
  // With `dockerd` first, the image's entrypoint adds none of its default listeners (a TCP listener on 0.0.0.0).
  if (args[0] !== 'dockerd') context.problems.push(`${label} container ${variant.sidecar}: its arguments do not start with dockerd`);
  if (!args.includes(`--host=${address}`)) context.problems.push(`${label} container ${variant.sidecar}: does not listen on ${address}`);
  if (args.some((arg) => arg.includes('tcp://'))) context.problems.push(`${label} container ${variant.sidecar}: listens on TCP`);
  const group = args.find((arg) => arg.startsWith('--group='))?.slice('--group='.length);
  if (group === undefined || !(podSpec.securityContext?.supplementalGroups ?? []).includes(Number(group))) {
    context.problems.push(`${label}: the socket's group (--group=${group ?? 'unset'}) is not among the pod's supplementalGroups: the non-root server could not use it`);
  }
  if (!mountOf(context, sidecar, '/var/lib/docker').volume?.emptyDir) context.problems.push(`${label} container ${variant.sidecar}: /var/lib/docker is not an emptyDir`);
  const loaderIndex = initContainers.findIndex((container) => container.name === variant.loader);
  const loader = initContainers[loaderIndex];
  if (!loader) {
    context.problems.push(`${label}: no init container ${variant.loader} loads the sandbox images`);
    return;
  }
  if (loaderIndex < sidecarIndex) context.problems.push(`${label}: ${variant.loader} runs before the engine ${variant.sidecar} starts`);
  if (loader.restartPolicy !== undefined) context.problems.push(`${label}: ${variant.loader} is a sidecar, not a step that finishes before the server starts`);
  if (environment(loader, 'DOCKER_HOST') !== address) context.problems.push(`${label}: ${variant.loader} does not talk to ${address}`);
  if (mountOf(context, loader, socketFolder).mount?.name !== serverSide.mount?.name) context.problems.push(`${label}: ${variant.loader} does not mount ${socketFolder}`);
}

function noEngine(context: Context): void {
  const label = objectLabel(context.deployment);
  for (const container of context.allContainers) {
    if (container.securityContext?.privileged === true) context.problems.push(`${label} container ${container.name}: privileged in an isolate-only variant`);
    if (container.env?.some((entry) => entry.name === 'DOCKER_HOST')) context.problems.push(`${label} container ${container.name}: DOCKER_HOST set in an isolate-only variant`);
  }
}
