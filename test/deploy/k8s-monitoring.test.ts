import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import * as Yaml from "yaml"
import { ROOT } from "../support/processes.js"
import { isKustomization, type KubeObject, objectsIn, readTree } from "./manifests.js"

/**
 * deploy/kubernetes/components/monitoring against the single sources it copies (monitoring/rules.yml, the
 * generated Grafana dashboard) and the rules' own expectations of the scrape jobs. The custom resources are
 * checked here by hand: kubernetes-models has no schema for monitoring.coreos.com (k8s-schema.test.ts).
 */
const objects = objectsIn(readTree(), "components/monitoring") as Array<KubeObject & Record<string, any>>
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind)
const rules = Yaml.parse(Fs.readFileSync(Path.join(ROOT, "monitoring/rules.yml"), "utf8")) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }

describe("the Kubernetes monitoring component", () => {
  it("lists every file it holds in its kustomization", () => {
    const kustomization = readTree().find((file) => file.path === "components/monitoring/kustomization.yaml")!.objects[0]!
    expect(isKustomization(kustomization)).toBe(true)
    const files = Fs.readdirSync(Path.join(ROOT, "deploy/kubernetes/components/monitoring")).filter((f) => f !== "kustomization.yaml").sort()
    expect([...(kustomization as unknown as { resources: Array<string> }).resources].sort()).toEqual(files)
  })

  it("has a PrometheusRule with exactly monitoring/rules.yml's groups: the four alerts", () => {
    const [rule, ...more] = ofKind("PrometheusRule")
    expect(more).toEqual([])
    expect(rule!.apiVersion).toBe("monitoring.coreos.com/v1")
    expect(rule!.spec.groups).toEqual(rules.groups)
    expect(rule!.spec.groups.flatMap((g: { rules: Array<{ alert: string }> }) => g.rules.map((r) => r.alert)).sort())
      .toEqual(["ScorelineDatabaseErrors", "ScorelinePointsStalled", "ScorelineServerDown", "ScorelineSlowRequests"])
  })

  it("has the Grafana dashboard in a ConfigMap the kube-prometheus-stack sidecar loads (grafana_dashboard: \"1\")", () => {
    const [map, ...more] = ofKind("ConfigMap")
    expect(more).toEqual([])
    expect(map!.metadata.labels?.grafana_dashboard).toBe("1")
    expect(Object.keys(map!.data ?? {})).toEqual(["scoreline.json"])
    expect(JSON.parse(map!.data!["scoreline.json"]!)).toEqual(JSON.parse(Fs.readFileSync(Path.join(ROOT, "monitoring/grafana/scoreline.json"), "utf8")))
  })

  it("names the servers' scrape job as ScorelineServerDown expects it", () => {
    const down = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === "ScorelineServerDown")!
    const jobPattern = new RegExp(`^(?:${/job=~"([^"]+)"/.exec(down.expr)![1]})$`)
    const points = ofKind("ServiceMonitor").find((m) => m.metadata.name === "scoreline-points")!
    expect(points.spec.jobLabel).toBeDefined()
    // The Service the monitor selects carries the job label, and its value matches the rule's pattern.
    const services = ofKind("Service").filter((s) =>
      Object.entries(points.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => s.metadata.labels?.[k] === v))
    expect(services).toHaveLength(1)
    const job = services[0]!.metadata.labels![points.spec.jobLabel]
    expect(job).toMatch(jobPattern)
  })
})
