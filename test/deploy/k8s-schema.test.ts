import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parseYamlFile } from "../../scripts/k8s/Yaml.js"
import { containersOf, DNS_LABEL, isKustomization, type KubeObject, readTree, TREE, validateObject } from "./manifests.js"

/**
 * Every object of deploy/kubernetes against the Kubernetes API schemas (kubernetes-models 4.5.1, offline),
 * plus the naming rules those schemas leave out. Where kubectl is installed, also what `kubectl kustomize`
 * renders from each kustomization, so the overlays and components are known to resolve.
 */
const files = readTree()
const objects = files.flatMap((file) => file.objects.map((object) => ({ file: file.path, object })))
const kubeObjects = objects.filter(({ object }) => !isKustomization(object))
/** Custom resources that kubernetes-models does not describe; checked by hand in k8s-roster.test.ts. */
const CUSTOM = new Set(["monitoring.coreos.com/v1"])

const validatable = kubeObjects.filter(({ object }) => !CUSTOM.has(object.apiVersion))

describe("deploy/kubernetes against the Kubernetes API schemas", () => {
  it("has the objects the issue asks for", () => {
    const kinds = new Set(kubeObjects.map(({ object }) => object.kind))
    for (const kind of ["Namespace", "Secret", "Job", "Deployment", "Service", "PodDisruptionBudget", "Ingress", "StatefulSet", "ServiceMonitor", "PrometheusRule", "ConfigMap"]) {
      expect(kinds, kind).toContain(kind)
    }
  })

  it.each(validatable.map(({ file, object }) => [`${file}: ${object.kind} ${object.metadata.name}`, object] as const))(
    "%s validates",
    async (_, object) => {
      await expect(validateObject(object)).resolves.toBeUndefined()
    }
  )

  it("rejects what the API would reject (the validation is not a no-op)", async () => {
    const service = kubeObjects.find(({ object }) => object.kind === "Service")!.object
    const broken = { ...service, spec: { ...service.spec, ports: [{ ...service.spec.ports[0], protocol: "UPD" }] } }
    await expect(validateObject(broken)).rejects.toThrow(/protocol/)
  })

  it("names every object, container and port as Kubernetes requires", () => {
    for (const { file, object } of kubeObjects) {
      expect(object.metadata.name, `${file} ${object.kind}`).toMatch(DNS_LABEL)
      for (const container of containersOf(object)) {
        expect(container.name, `${file} ${object.metadata.name}`).toMatch(DNS_LABEL)
        for (const port of container.ports ?? []) expect(port.name, `${file} ${container.name}`).toMatch(/^[a-z]([-a-z0-9]{0,13}[a-z0-9])?$/)
      }
      for (const value of Object.values(object.metadata.labels ?? {})) {
        expect(value, `${file} ${object.metadata.name} label`).toMatch(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/)
      }
    }
  })
})

// `kubectl kustomize` builds offline. The machines this project runs on have kubectl (with kustomize
// 5.5); where it is missing the rendering checks skip, and the schema checks above still run.
const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0
const render = (dir: string): Array<KubeObject> =>
  parseYamlFile(execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" })) as Array<KubeObject>

describe.skipIf(!kubectl)("what kubectl kustomize renders", () => {
  const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-kustomize-"))
  afterAll(() => Fs.rmSync(scratch, { recursive: true, force: true }))

  const kustomizations = files.filter((file) => file.objects.some((o) => o.kind === "Kustomization")).map((file) => Path.posix.dirname(file.path))

  it.each(kustomizations)("%s renders, and every object validates and is in the namespace", async (dir) => {
    const rendered = render(Path.join(TREE, dir))
    expect(rendered.length).toBeGreaterThan(0)
    for (const object of rendered) {
      if (object.kind !== "Namespace") expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe("scoreline")
      await validateObject(object)
    }
  })

  it("components/events gives every points server and the dashboard, and nothing else, BROKER_URL from the Secret's broker-url", () => {
    const dir = Path.join(scratch, "events")
    Fs.mkdirSync(dir, { recursive: true })
    Fs.writeFileSync(Path.join(dir, "kustomization.yaml"), [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      `resources: [${Path.relative(dir, Path.join(TREE, "base"))}]`,
      `components: [${Path.relative(dir, Path.join(TREE, "components/events"))}]`,
      ""
    ].join("\n"))
    const without = render(Path.join(TREE, "base"))
    const rendered = render(dir)
    const brokerOf = (object: KubeObject) => containersOf(object).map((c) => (c.env ?? []).find((e: any) => e.name === "BROKER_URL"))
    const servers = rendered.filter((o) => o.kind === "Deployment" && ["points-server", "dashboard"].includes(o.metadata.labels?.["app.kubernetes.io/component"] ?? ""))
    expect(servers.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "dashboard")).toHaveLength(1)
    expect(servers.length).toBeGreaterThan(1)
    for (const server of servers) {
      expect(brokerOf(server), server.metadata.name).toEqual([{ name: "BROKER_URL", valueFrom: { secretKeyRef: { name: "scoreline-secrets", key: "broker-url" } } }])
      // The patch adds to the container's environment; what the base sets stays.
      const before = without.find((o) => o.kind === "Deployment" && o.metadata.name === server.metadata.name)!
      for (const variable of containersOf(before)[0].env ?? []) expect(containersOf(server)[0].env, server.metadata.name).toContainEqual(variable)
    }
    for (const other of rendered.filter((o) => o.kind === "Deployment" && !servers.includes(o))) {
      expect(brokerOf(other).filter(Boolean), other.metadata.name).toEqual([])
    }
    const template = parseYamlFile(Fs.readFileSync(Path.join(TREE, "base/common/secret.template.yaml"), "utf8"))[0] as KubeObject
    expect(Object.keys(template.stringData ?? {})).toContain("broker-url")
  })

  it("a layout overlay runs its own servers instead of the base's, and tells the dashboard its roster", () => {
    const rendered = render(Path.join(TREE, "overlays/seed001"))
    const names = rendered.map((o) => `${o.kind}/${o.metadata.name}`)
    expect(names).toContain("Deployment/points-afif")
    expect(names).not.toContain("Deployment/points-ikhwan")
    // kustomize's generator names it scoreline-settings-<hash>; the dashboard's ConfigMap is the other one.
    const settings = rendered.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("scoreline-settings"))!
    expect(settings.data!.ROSTER).toBe("seed001")
    // Every reference to the settings follows the generated name (its hash), or pods would not start.
    for (const workload of rendered) {
      for (const container of containersOf(workload)) {
        for (const source of container.envFrom ?? []) expect(source.configMapRef.name).toBe(settings.metadata.name)
      }
    }
  })

  it("an overlay with every component renders: MySQL becomes DB_HOST, the monitors find their Services", async () => {
    Fs.writeFileSync(
      Path.join(scratch, "kustomization.yaml"),
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        `resources: [${Path.relative(scratch, Path.join(TREE, "base"))}]`,
        `components: [${["mysql", "ingress", "monitoring"].map((c) => Path.relative(scratch, Path.join(TREE, "components", c))).join(", ")}]`,
        "images: [{ name: scoreline, newName: registry.example.com/team/scoreline, newTag: \"0.1.1\" }]",
        ""
      ].join("\n")
    )
    const rendered = render(scratch)
    // kustomize's generator names it scoreline-settings-<hash>; the dashboard's ConfigMap is the other one.
    const settings = rendered.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("scoreline-settings"))!
    expect(settings.data!.DB_HOST).toBe("scoreline-mysql")
    expect(rendered.map((o) => o.kind)).toEqual(expect.arrayContaining(["StatefulSet", "Ingress", "ServiceMonitor", "PrometheusRule"]))
    for (const object of rendered) {
      expect(object.metadata.namespace ?? "scoreline", `${object.kind} ${object.metadata.name}`).toBe("scoreline")
      if (!CUSTOM.has(object.apiVersion)) await validateObject(object)
    }
    // prometheus-operator scrapes the Services a monitor selects, on the port it names: both must exist.
    const services = rendered.filter((o) => o.kind === "Service")
    for (const monitor of rendered.filter((o) => o.kind === "ServiceMonitor")) {
      const selected = services.filter((service) =>
        Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(([key, value]) => service.metadata.labels?.[key] === value)
      )
      expect(selected.length, monitor.metadata.name).toBeGreaterThan(0)
      for (const endpoint of monitor.spec.endpoints) {
        for (const service of selected) expect(service.spec.ports.map((p: any) => p.name), service.metadata.name).toContain(endpoint.port)
      }
    }
    // The images: override reaches every scoreline container (docs/KUBERNETES.md's retagging recipe).
    const images = rendered.flatMap((o) => containersOf(o).map((c) => c.image as string))
    expect(images.filter((image) => image.includes("scoreline")).every((image) => image === "registry.example.com/team/scoreline:0.1.1")).toBe(true)
  })
})
