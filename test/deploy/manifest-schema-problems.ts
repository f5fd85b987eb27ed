import { join } from 'node:path';
import ts from 'typescript';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { repoRoot } from '../helpers/paths.ts';
import type { KubernetesObject } from './render-kustomization.ts';

interface KnownKind {
  /** The kubernetes-models class whose `validate()` checks the object against the OpenAPI schema. */
  model: new (data: never) => { validate(): void };
  /** Where its TypeScript interface lives, and the interface's name. */
  typeModule: string;
  typeName: string;
}

/** The kinds the manifests may use, by `apiVersion kind`. */
const KNOWN_KINDS: Record<string, KnownKind> = {
  'v1 Namespace': { model: Namespace, typeModule: 'kubernetes-models/v1/Namespace', typeName: 'INamespace' },
  'v1 ServiceAccount': { model: ServiceAccount, typeModule: 'kubernetes-models/v1/ServiceAccount', typeName: 'IServiceAccount' },
  'v1 ConfigMap': { model: ConfigMap, typeModule: 'kubernetes-models/v1/ConfigMap', typeName: 'IConfigMap' },
  'v1 Secret': { model: Secret, typeModule: 'kubernetes-models/v1/Secret', typeName: 'ISecret' },
  'v1 Service': { model: Service, typeModule: 'kubernetes-models/v1/Service', typeName: 'IService' },
  'apps/v1 Deployment': { model: Deployment, typeModule: 'kubernetes-models/apps/v1/Deployment', typeName: 'IDeployment' },
  'autoscaling/v2 HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    typeModule: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    typeName: 'IHorizontalPodAutoscaler',
  },
  'policy/v1 PodDisruptionBudget': { model: PodDisruptionBudget, typeModule: 'kubernetes-models/policy/v1/PodDisruptionBudget', typeName: 'IPodDisruptionBudget' },
  'networking.k8s.io/v1 NetworkPolicy': { model: NetworkPolicy, typeModule: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', typeName: 'INetworkPolicy' },
  'networking.k8s.io/v1 Ingress': { model: Ingress, typeModule: 'kubernetes-models/networking.k8s.io/v1/Ingress', typeName: 'IIngress' },
};

/** `Deployment/sandbench` (with its namespace when it has one): how problems name an object. */
export function objectLabel(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

/**
 * Schema problems of each object, from two offline checks:
 * - kubernetes-models' validator (the Kubernetes OpenAPI schema: types, required fields, enums);
 * - the same package's TypeScript interfaces, by type-checking each object as an object literal:
 *   the validator lets unknown fields through (the OpenAPI schema has no
 *   `additionalProperties: false`), while `kubectl apply` refuses them, and a misspelt field
 *   (`readOnlyRootFileSystem`) would otherwise be dropped without a word.
 */
export function manifestSchemaProblems(objects: readonly KubernetesObject[]): string[] {
  const problems: string[] = [];
  const typed: Array<{ object: KubernetesObject; kind: KnownKind }> = [];
  for (const object of objects) {
    const kind = KNOWN_KINDS[`${object.apiVersion} ${object.kind}`];
    if (!kind) {
      problems.push(`${objectLabel(object)}: ${object.apiVersion} ${object.kind} is not a kind these checks know`);
      continue;
    }
    try {
      new kind.model(structuredClone(object) as never).validate();
    } catch (error) {
      problems.push(`${objectLabel(object)}: ${(error as Error).message}`);
    }
    typed.push({ object, kind });
  }
  problems.push(...unknownFieldProblems(typed));
  return problems;
}

/** Type-check the objects as literals of their kubernetes-models interfaces (one in-memory program). */
function unknownFieldProblems(objects: ReadonlyArray<{ object: KubernetesObject; kind: KnownKind }>): string[] {
  if (objects.length === 0) return [];
  // Inside the repository, so that `kubernetes-models` resolves from its node_modules.
  const fileName = join(repoRoot, 'test', 'deploy', '__manifests-as-typescript__.ts');
  const lines: string[] = [];
  const imports = new Map<string, string>();
  for (const { kind } of objects) {
    if (!imports.has(kind.typeName)) {
      imports.set(kind.typeName, kind.typeModule);
      lines.push(`import type { ${kind.typeName} } from '${kind.typeModule}';`);
    }
  }
  // First line of each object's literal, to tell which object a diagnostic is about.
  const starts: number[] = [];
  let lineCount = lines.length;
  objects.forEach(({ object, kind }, index) => {
    const literal = `export const object${index}: ${kind.typeName} = ${JSON.stringify(object, null, 2)};`;
    starts.push(lineCount);
    lines.push(literal);
    lineCount += literal.split('\n').length;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, languageVersion) : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics(), ...program.getGlobalDiagnostics()];
  const problems: string[] = [];
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) {
      problems.push(`type check: ${message}`);
      continue;
    }
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    if (line < starts[0]!) {
      problems.push(`type check (imports): ${message}`);
      continue;
    }
    let index = starts.length - 1;
    while (index > 0 && starts[index]! > line) index -= 1;
    const text = (source.split('\n')[line] ?? '').trim();
    problems.push(`${objectLabel(objects[index]!.object)}: ${message} (at ${text})`);
  }
  return problems;
}
