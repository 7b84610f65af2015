import * as Fs from "node:fs"
import * as Path from "node:path"
import { parseEnv } from "../../scripts/k8s/Settings.js"
import { parseYamlFile } from "../../scripts/k8s/Yaml.js"
import { ROOT } from "../support/processes.js"

/** What the deploy tests read: the committed tree, as an operator would apply it. */
export const TREE = Path.join(ROOT, "deploy/kubernetes")

/** A Kubernetes object as YAML gives it back: only what the checks read is typed. */
export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> }
  readonly spec?: any
  readonly stringData?: Record<string, string>
  readonly data?: Record<string, string>
}

export interface TreeFile {
  /** Relative to deploy/kubernetes. */
  readonly path: string
  readonly objects: ReadonlyArray<KubeObject>
}

const listFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(Path.join(dir, entry.name)) : [Path.join(dir, entry.name)]
  )

/** Every YAML file of the tree with its documents, sorted by path. */
export const readTree = (): Array<TreeFile> =>
  listFiles(TREE)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => ({
      path: Path.relative(TREE, file).split(Path.sep).join("/"),
      objects: parseYamlFile(Fs.readFileSync(file, "utf8")) as Array<KubeObject>
    }))

export const isKustomization = (object: KubeObject) => object.apiVersion.startsWith("kustomize.config.k8s.io/")

/** The Kubernetes objects (not the kustomizations) of a tree folder, without descending into other folders. */
export const objectsIn = (files: ReadonlyArray<TreeFile>, dir: string) =>
  files.filter((file) => Path.posix.dirname(file.path) === dir).flatMap((file) => file.objects).filter((o) => !isKustomization(o))

/** The settings every pod reads (the base's settings.env). */
export const baseSettings = (): Record<string, string> =>
  parseEnv(Fs.readFileSync(Path.join(TREE, "base/common/settings.env"), "utf8"))

/**
 * Validates one object against the Kubernetes API schema of kubernetes-models (types, enums, required
 * fields; it accepts unknown fields, which the generator's types rule out at compile time instead).
 */
export const validateObject = async (object: KubeObject): Promise<void> => {
  const path = object.apiVersion === "v1" ? `v1/${object.kind}` : `${object.apiVersion}/${object.kind}`
  const module = (await import(/* @vite-ignore */ `kubernetes-models/${path}`)) as Record<string, new(data: unknown) => { validate(): void }>
  const Model = module[object.kind]
  if (Model === undefined) throw new Error(`kubernetes-models has no ${path}`)
  new Model(object).validate()
}

/** A DNS-1123 label: what Services, and so every object here, must be named. */
export const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/

/** Every container of a workload's pod template, init containers included. */
export const containersOf = (object: KubeObject): Array<any> => {
  const pod = object.spec?.template?.spec
  return pod === undefined ? [] : [...(pod.initContainers ?? []), ...(pod.containers ?? [])]
}

/** A container's port by name or number, as a probe or a Service's targetPort gives it. */
export const portOf = (container: any, port: string | number): any =>
  (container.ports ?? []).find((p: any) => p.name === port || p.containerPort === port)

export const envOf = (container: any, name: string): string | undefined =>
  (container.env ?? []).find((variable: any) => variable.name === name)?.value
