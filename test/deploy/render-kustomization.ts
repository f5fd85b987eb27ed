import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as written in a manifest (only what the checks read is typed). */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** What a kustomization renders to, and where each object came from. */
export interface RenderedKustomization {
  objects: KubernetesObject[];
  /** For each object (same index): the manifest file it was read from, relative to the root passed in. */
  sources: string[];
  /** Every file read (kustomizations and manifests), relative to the root passed in. */
  files: string[];
}

/**
 * The fields this renderer understands. kubectl's kustomize knows many more (patches,
 * generators, labels…); a kustomization that uses one of them is refused here rather than
 * rendered differently from what `kubectl apply -k` would apply.
 */
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images']);

/** Kinds the manifests use, and whether kustomize's namespace transformer treats them as cluster-wide. */
const CLUSTER_SCOPED: Record<string, boolean> = {
  Namespace: true,
  ServiceAccount: false,
  ConfigMap: false,
  Secret: false,
  Service: false,
  Deployment: false,
  HorizontalPodAutoscaler: false,
  PodDisruptionBudget: false,
  NetworkPolicy: false,
  Ingress: false,
};

interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
}

/**
 * Render a kustomization folder offline, without kubectl: its `resources` (manifest files and
 * folders holding a kustomization, depth first, in order), then its `namespace` (set on every
 * namespaced object; a Namespace object must already carry that name, so kustomize's renaming of
 * it changes nothing) and its `images` overrides (`newName`, `newTag`, matched on the image name
 * without its tag, for containers and init containers). Anything else throws.
 */
export function renderKustomization(folder: string, root: string = folder): RenderedKustomization {
  const kustomizationFile = join(folder, 'kustomization.yaml');
  const kustomization = parseSingleDocument(kustomizationFile) as Record<string, unknown>;
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new Error(`${relative(root, kustomizationFile)}: field '${field}' is not understood by this offline renderer`);
  }
  if (kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || kustomization.kind !== 'Kustomization') {
    throw new Error(`${relative(root, kustomizationFile)}: expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`);
  }
  const rendered: RenderedKustomization = { objects: [], sources: [], files: [relative(root, kustomizationFile)] };
  for (const entry of asStringList(kustomization.resources, kustomizationFile, 'resources')) {
    const path = resolve(folder, entry);
    if (!existsSync(path)) throw new Error(`${relative(root, kustomizationFile)}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const nested = renderKustomization(path, root);
      rendered.objects.push(...nested.objects);
      rendered.sources.push(...nested.sources);
      rendered.files.push(...nested.files);
    } else {
      const objects = parseManifestFile(path);
      rendered.objects.push(...objects);
      rendered.sources.push(...objects.map(() => relative(root, path)));
      rendered.files.push(relative(root, path));
    }
  }
  if (kustomization.namespace !== undefined) applyNamespace(rendered.objects, String(kustomization.namespace), kustomizationFile);
  if (kustomization.images !== undefined) applyImages(rendered.objects, kustomization.images as ImageOverride[], kustomizationFile);
  const seen = new Set<string>();
  for (const object of rendered.objects) {
    const id = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    // kustomize refuses two objects with one identity; so does this.
    if (seen.has(id)) throw new Error(`${relative(root, kustomizationFile)}: ${id} is defined twice`);
    seen.add(id);
  }
  return rendered;
}

/** Every object of a manifest file (several YAML documents allowed; empty ones skipped). */
export function parseManifestFile(path: string): KubernetesObject[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  const objects: KubernetesObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map((error) => error.message).join('; ')}`);
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const object = value as Partial<KubernetesObject>;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new Error(`${path}: a document without apiVersion, kind and metadata.name`);
    }
    objects.push(object as KubernetesObject);
  }
  return objects;
}

function parseSingleDocument(path: string): unknown {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  if (documents.length !== 1 || documents[0]!.errors.length > 0) throw new Error(`${path}: expected one valid YAML document`);
  return documents[0]!.toJS();
}

function asStringList(value: unknown, file: string, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new Error(`${file}: ${field} must be a list of paths`);
  return value as string[];
}

function applyNamespace(objects: KubernetesObject[], namespace: string, file: string): void {
  for (const object of objects) {
    const clusterScoped = CLUSTER_SCOPED[object.kind];
    if (clusterScoped === undefined) throw new Error(`${file}: kind ${object.kind} is unknown to this offline renderer (is it namespaced?)`);
    if (!clusterScoped) object.metadata.namespace = namespace;
    else if (object.kind === 'Namespace' && object.metadata.name !== namespace) {
      throw new Error(`${file}: Namespace ${object.metadata.name} differs from the kustomization's namespace ${namespace} (kustomize would rename it)`);
    }
  }
}

function applyImages(objects: KubernetesObject[], overrides: ImageOverride[], file: string): void {
  if (!Array.isArray(overrides)) throw new Error(`${file}: images must be a list`);
  for (const override of overrides) {
    const unknown = Object.keys(override).filter((key) => !['name', 'newName', 'newTag'].includes(key));
    if (unknown.length > 0) throw new Error(`${file}: images entry ${override.name}: ${unknown.join(', ')} not understood by this offline renderer`);
  }
  for (const container of podContainers(objects)) {
    const { name, tag } = splitImage(container.image);
    const override = overrides.find((candidate) => candidate.name === name);
    if (!override) continue;
    const newTag = override.newTag ?? tag;
    container.image = `${override.newName ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
  }
}

/** Containers and init containers of every object with a pod template. */
function podContainers(objects: KubernetesObject[]): Array<{ image: string }> {
  const containers: Array<{ image: string }> = [];
  for (const object of objects) {
    const podSpec = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec;
    if (!podSpec) continue;
    for (const field of ['containers', 'initContainers']) containers.push(...((podSpec[field] as Array<{ image: string }> | undefined) ?? []));
  }
  return containers;
}

/** `registry:5000/team/app:1.2` → name `registry:5000/team/app`, tag `1.2` (a digest is not expected here). */
export function splitImage(image: string): { name: string; tag?: string } {
  if (image.includes('@')) throw new Error(`image ${image}: digests are not handled by this offline renderer`);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon > slash) return { name: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { name: image };
}
