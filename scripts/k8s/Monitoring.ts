import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap"
import * as Yaml from "yaml"
import { GRAFANA_DASHBOARD_FILE } from "../compose-monitoring.js"
import { NAMESPACE } from "./Names.js"

// The monitoring component's copies of the single sources (monitoring/rules.yml, the generated Grafana
// dashboard): read at generation time, so `npm run monitoring && npm run k8s` carries a change here, and
// test/deploy's drift check fails when either copy is stale.

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
export const RULES_FILE = "monitoring/rules.yml"

/** prometheus-operator's PrometheusRule (monitoring.coreos.com/v1), the fields used here. */
export interface PrometheusRule {
  readonly apiVersion: "monitoring.coreos.com/v1"
  readonly kind: "PrometheusRule"
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> }
  readonly spec: { readonly groups: ReadonlyArray<unknown> }
}

/** The rule groups of monitoring/rules.yml, as Prometheus itself reads them. */
export const ruleGroups = (): ReadonlyArray<unknown> =>
  (Yaml.parse(Fs.readFileSync(Path.join(ROOT, RULES_FILE), "utf8")) as { groups: ReadonlyArray<unknown> }).groups

/** The same alerts for a Prometheus run by prometheus-operator (kube-prometheus-stack). */
export const prometheusRule = (): PrometheusRule => ({
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PrometheusRule",
  metadata: { name: "scoreline", namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "scoreline" } },
  spec: { groups: ruleGroups() }
})

/** The label kube-prometheus-stack's Grafana sidecar looks for: a ConfigMap with it is loaded as dashboards. */
export const GRAFANA_DASHBOARD_LABEL = "grafana_dashboard"

/** The Grafana dashboard, as the sidecar convention wants it: one JSON file in a labelled ConfigMap. */
export const grafanaDashboardConfigMap = (): IConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: "scoreline-grafana-dashboard",
    namespace: NAMESPACE,
    labels: { "app.kubernetes.io/part-of": "scoreline", [GRAFANA_DASHBOARD_LABEL]: "1" }
  },
  data: { "scoreline.json": Fs.readFileSync(Path.join(ROOT, GRAFANA_DASHBOARD_FILE), "utf8") }
})
