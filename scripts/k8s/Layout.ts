import type { Roster } from "../../src/schema/Roster.js"
import { dashboardDeployment, dashboardService, migrateJob, namespace } from "./Common.js"
import { ingress, mysqlService, mysqlStatefulSet, pointsMetricsService, serviceMonitors } from "./Components.js"
import { brokerPatches } from "./Events.js"
import { grafanaDashboardConfigMap, prometheusRule, RULES_FILE } from "./Monitoring.js"
import { MYSQL, NAMESPACE, SETTINGS, slugsOf } from "./Names.js"
import { clientDeployment, serverDeployment, serverDisruptionBudget, serverService, type ServerOptions } from "./Servers.js"
import { secretTemplate, settingsEnv } from "./Settings.js"
import { yamlFile } from "./Yaml.js"

/** One file of the tree, its path relative to the folder the tree is written into. */
export interface ManifestFile {
  readonly path: string
  readonly text: string
}

/** kustomize's kustomization.yaml (and a Component's), the fields used here. */
export interface Kustomization {
  readonly apiVersion: "kustomize.config.k8s.io/v1beta1" | "kustomize.config.k8s.io/v1alpha1"
  readonly kind: "Kustomization" | "Component"
  readonly namespace?: string
  readonly resources?: ReadonlyArray<string>
  readonly components?: ReadonlyArray<string>
  readonly configMapGenerator?: ReadonlyArray<{
    readonly name: string
    readonly behavior?: "merge"
    readonly envs?: ReadonlyArray<string>
    readonly literals?: ReadonlyArray<string>
  }>
  /** Patches of the including overlay's objects, each on the objects `target` selects. */
  readonly patches?: ReadonlyArray<{
    readonly target: { readonly kind: string; readonly labelSelector: string }
    readonly patch: string
  }>
}

export interface GeneratorOptions extends ServerOptions {
  /** How the roster was named on the command line, for the files' headers. */
  readonly source: string
}

const kustomization = (dir: string, source: string, body: Omit<Kustomization, "apiVersion" | "kind">): ManifestFile => ({
  path: `${dir}/kustomization.yaml`,
  text: yamlFile(source, [{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", ...body }])
})

const component = (dir: string, body: Omit<Kustomization, "apiVersion" | "kind">): ManifestFile => ({
  path: `${dir}/kustomization.yaml`,
  text: yamlFile("scripts/k8s/Components.ts", [{ apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component", ...body }])
})

/** Every user's objects in one file: server Deployment, its Service and budget, and its client. */
const rosterFiles = (dir: string, roster: Roster, options: GeneratorOptions): Array<ManifestFile> =>
  Array.from(slugsOf(roster), ([entry, slug]) => ({
    path: `${dir}/points-${slug}.yaml`,
    text: yamlFile(options.source, [
      serverDeployment(entry, slug, options),
      serverService(entry, slug),
      // A budget over one replica would block every node drain, or protect nothing.
      ...(options.replicas > 1 ? [serverDisruptionBudget(entry, slug)] : []),
      clientDeployment(entry, slug, options)
    ])
  }))

const userFiles = (files: ReadonlyArray<ManifestFile>, dir: string) => files.map((file) => file.path.slice(dir.length + 1))

/**
 * The roster-independent part (namespace, settings, migrate Job, dashboard, the Secret's template), which
 * the base and every layout overlay share.
 */
const commonFiles = (dir: string, roster: Roster, options: GeneratorOptions): Array<ManifestFile> => [
  kustomization(dir, options.source, {
    namespace: NAMESPACE,
    resources: ["namespace.yaml", "migrate.yaml", "dashboard.yaml"],
    configMapGenerator: [{ name: SETTINGS, envs: ["settings.env"] }]
  }),
  { path: `${dir}/namespace.yaml`, text: yamlFile(options.source, [namespace]) },
  { path: `${dir}/migrate.yaml`, text: yamlFile(options.source, [migrateJob(options.image)]) },
  { path: `${dir}/dashboard.yaml`, text: yamlFile(options.source, [dashboardDeployment(options.image), dashboardService]) },
  { path: `${dir}/settings.env`, text: settingsEnv(roster.name) },
  { path: `${dir}/secret.template.yaml`, text: yamlFile(options.source, [secretTemplate]) }
]

/** A self-contained base for one roster: `kubectl apply -k <dir>`. */
export const baseFiles = (dir: string, roster: Roster, options: GeneratorOptions): Array<ManifestFile> => {
  const users = rosterFiles(dir, roster, options)
  return [
    kustomization(dir, options.source, { namespace: NAMESPACE, resources: ["common", ...userFiles(users, dir)] }),
    ...commonFiles(`${dir}/common`, roster, options),
    ...users
  ]
}

/** Another roster's layout over the base's common part: its own servers instead of the base's. */
export const layoutOverlayFiles = (dir: string, commonDir: string, roster: Roster, options: GeneratorOptions): Array<ManifestFile> => {
  const users = rosterFiles(dir, roster, options)
  return [
    kustomization(dir, options.source, {
      namespace: NAMESPACE,
      resources: [commonDir, ...userFiles(users, dir)],
      configMapGenerator: [{ name: SETTINGS, behavior: "merge", literals: [`ROSTER=${roster.name}`] }]
    }),
    ...users
  ]
}

/** The optional components an overlay adds with `components:`. */
export const componentFiles = (dir: string): Array<ManifestFile> => [
  component(`${dir}/ingress`, { resources: ["ingress.yaml"] }),
  { path: `${dir}/ingress/ingress.yaml`, text: yamlFile("scripts/k8s/Components.ts", [ingress]) },
  component(`${dir}/monitoring`, { resources: ["service-monitor.yaml", "prometheus-rule.yaml", "grafana-dashboard.yaml"] }),
  { path: `${dir}/monitoring/service-monitor.yaml`, text: yamlFile("scripts/k8s/Components.ts", [pointsMetricsService, ...serviceMonitors]) },
  { path: `${dir}/monitoring/prometheus-rule.yaml`, text: yamlFile(`${RULES_FILE} (scripts/k8s/Monitoring.ts)`, [prometheusRule()]) },
  { path: `${dir}/monitoring/grafana-dashboard.yaml`, text: yamlFile("monitoring/grafana/scoreline.json (scripts/k8s/Monitoring.ts)", [grafanaDashboardConfigMap()]) },
  component(`${dir}/mysql`, {
    resources: ["mysql.yaml"],
    configMapGenerator: [{ name: SETTINGS, behavior: "merge", literals: [`DB_HOST=${MYSQL}`] }]
  }),
  { path: `${dir}/mysql/mysql.yaml`, text: yamlFile("scripts/k8s/Components.ts", [mysqlStatefulSet, mysqlService]) },
  component(`${dir}/events`, { patches: [...brokerPatches] })
]

/** A kustomization over others: the base with the in-cluster MySQL and the Ingress, to try on kind or minikube. */
const demoOverlayFiles = (dir: string): Array<ManifestFile> => [
  kustomization(dir, "scripts/k8s/Layout.ts", { resources: ["../../base"], components: ["../../components/mysql", "../../components/ingress"] })
]

export interface Tree {
  readonly base: Roster
  readonly layouts: ReadonlyArray<Roster>
}

/**
 * What deploy/kubernetes holds: the base (seed 000), an overlay per other shipped layout, the components,
 * and the demo overlay. Paths are relative to deploy/kubernetes.
 */
export const treeFiles = (tree: Tree, options: Omit<GeneratorOptions, "source">): Array<ManifestFile> => [
  ...baseFiles("base", tree.base, { ...options, source: `rosters/${tree.base.name}.json` }),
  ...tree.layouts.flatMap((roster) =>
    layoutOverlayFiles(`overlays/${roster.name}`, "../../base/common", roster, { ...options, source: `rosters/${roster.name}.json` })
  ),
  ...componentFiles("components"),
  ...demoOverlayFiles("overlays/demo")
]
