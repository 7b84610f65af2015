import { Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { GROUP_LABEL, slugsOf, USER_LABEL } from "../../scripts/k8s/Names.js"
import { DEFAULT_IMAGE } from "../../scripts/k8s/Plan.js"
import { baseFiles } from "../../scripts/k8s/Layout.js"
import { parseYamlFile } from "../../scripts/k8s/Yaml.js"
import { SHIPPED_ROSTERS } from "../../src/settings/RosterFile.js"
import { probeHostFor } from "../../src/dashboard/Probes.js"
import { Roster } from "../../src/schema/Roster.js"
import { ROOT } from "../support/processes.js"
import { baseSettings, containersOf, envOf, type KubeObject, objectsIn, portOf, readTree } from "./manifests.js"

/** What an operator relies on, read from the committed manifests, for every shipped roster. */
const files = readTree()
const all = files.flatMap((file) => file.objects)
const layouts = [
  { roster: "seed000", dir: "base" },
  { roster: "seed001", dir: "overlays/seed001" },
  { roster: "seed002", dir: "overlays/seed002" }
] as const
const rosterOf = (name: string) => Schema.decodeUnknownSync(Roster)(SHIPPED_ROSTERS[name])
const find = (objects: ReadonlyArray<KubeObject>, kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)
const settings = baseSettings()
const workloads = all.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))

describe.each(layouts)("the $roster layout ($dir)", ({ dir, roster: name }) => {
  const roster = rosterOf(name)
  const objects = objectsIn(files, dir)
  const slugs = slugsOf(roster)

  it("has a Deployment and a Service per roster server, on its port and protocol; UDP stays UDP", () => {
    for (const [entry, slug] of slugs) {
      const protocol = entry.transport.toUpperCase()
      const deployment = find(objects, "Deployment", `points-${slug}`)
      const service = find(objects, "Service", `points-${slug}`)
      expect(deployment, entry.user).toBeDefined()
      expect(service, entry.user).toBeDefined()
      const [server] = containersOf(deployment!)
      expect(envOf(server, "SERVER_USER")).toBe(entry.user)
      expect(envOf(server, "SERVER_PORT")).toBe(String(entry.port))
      expect(envOf(server, "TRANSPORT")).toBe(entry.transport)
      expect(portOf(server, "points")).toEqual({ name: "points", containerPort: entry.port, protocol })
      // The Service carries the user's port only, in its protocol, and reaches this Deployment's pods.
      expect(service!.spec.ports).toEqual([{ name: "points", port: entry.port, targetPort: "points", protocol }])
      expect(deployment!.spec.template.metadata.labels).toMatchObject(service!.spec.selector)
    }
    expect(objects.filter((o) => o.kind === "Deployment" && o.metadata.name.startsWith("points-")).length).toBe(roster.servers.length)
  })

  it("adds each server's roster increment, and the dashboard probes each server at its Service", () => {
    const dashboard = find(all, "Deployment", "scoreline-dashboard")
    expect(dashboard).toBeDefined()
    const probeHost = envOf(containersOf(dashboard!)[0], "PROBE_HOST")
    for (const [entry, slug] of slugs) {
      const [server] = containersOf(find(objects, "Deployment", `points-${slug}`)!)
      expect(Number(envOf(server, "POINTS_PER_TICK") ?? "1"), entry.user).toBe(entry.pointsPerTick ?? 1)
      expect(probeHostFor(probeHost!, entry.user)).toBe(`points-${slug}`)
    }
  })

  it("probes each server where it listens: TCP by connecting, UDP by asking with the project's client", () => {
    for (const [entry, slug] of slugs) {
      const [server] = containersOf(find(objects, "Deployment", `points-${slug}`)!)
      for (const probe of [server.startupProbe, server.readinessProbe, server.livenessProbe]) {
        if (entry.transport === "tcp") {
          expect(portOf(server, probe.tcpSocket.port).containerPort).toBe(entry.port)
        } else {
          const command: Array<string> = probe.exec.command
          expect(command.slice(0, 2)).toEqual(["node", "dist/client.mjs"])
          const flag = (name: string) => command[command.indexOf(name) + 1]
          expect([flag("--transport"), flag("--host"), flag("--port"), flag("--tries"), flag("--interval")]).toEqual(["udp", "127.0.0.1", String(entry.port), "1", "0"])
          // The client's own timeout ends before the kubelet gives up on the probe.
          expect(Number(flag("--timeout"))).toBeLessThan(probe.timeoutSeconds)
        }
      }
    }
  })

  it("runs each user's client against that user's Service", () => {
    for (const [entry, slug] of slugs) {
      const [client] = containersOf(find(objects, "Deployment", `client-${slug}`)!)
      expect(client.args).toEqual(["node", "dist/client.mjs"])
      expect([envOf(client, "TARGET_HOST"), envOf(client, "TARGET_PORT"), envOf(client, "TRANSPORT"), envOf(client, "CLIENT_DIALECT")])
        .toEqual([`points-${slug}`, String(entry.port), entry.transport, entry.dialect])
    }
    // It polls rather than asking once and exiting (POLL_INTERVAL 0), which would restart it forever.
    expect(Number(settings.POLL_INTERVAL)).toBeGreaterThan(0)
  })

  it("labels every object of a user, and its pods, with the user's roster group (seed 001's python and c)", () => {
    for (const [entry, slug] of slugs) {
      expect(entry.group, `${name}: ${entry.user} has a group`).toBeDefined()
      const mine = objects.filter((o) => o.metadata.labels?.[USER_LABEL] === slug)
      expect(mine.map((o) => o.kind).sort()).toEqual(["Deployment", "Deployment", "PodDisruptionBudget", "Service"])
      for (const object of mine) {
        expect(object.metadata.labels?.[GROUP_LABEL], `${object.kind} ${object.metadata.name}`).toBe(entry.group)
        if (object.kind === "Deployment") expect(object.spec.template.metadata.labels[GROUP_LABEL]).toBe(entry.group)
      }
    }
    const inGroup = (group: string) => roster.servers.filter((e) => e.group === group).map((e) => e.user).sort()
    if (name === "seed001") {
      expect(inGroup("python")).toEqual(["Afif", "Irfan", "Syahmi"])
      expect(inGroup("c")).toEqual(["Faiz", "Hairiel"])
    }
    if (name === "seed002") {
      expect(inGroup("c")).toEqual(roster.servers.map((e) => e.user).filter((u) => u.startsWith("c_user-")).sort())
      expect(inGroup("python")).toEqual(roster.servers.map((e) => e.user).filter((u) => u.startsWith("python_user-")).sort())
    }
  })

  it("keeps replicas available through a drain: a budget per server", () => {
    for (const [, slug] of slugs) {
      const deployment = find(objects, "Deployment", `points-${slug}`)!
      expect(deployment.spec.replicas).toBe(2)
      const budget = find(objects, "PodDisruptionBudget", `points-${slug}`)
      expect(budget?.spec.maxUnavailable).toBe(1)
      expect(deployment.spec.template.metadata.labels).toMatchObject(budget!.spec.selector.matchLabels)
    }
  })
})

describe("every scoreline workload", () => {
  const scoreline = workloads.filter((o) => containersOf(o).some((c) => String(c.image).startsWith("scoreline:")))

  it("runs the image the compose build tags, as node dist/<program>.mjs", () => {
    const version = JSON.parse(Fs.readFileSync(Path.join(ROOT, "package.json"), "utf8")).version
    expect(DEFAULT_IMAGE).toBe(`scoreline:${version}`)
    for (const object of scoreline) {
      for (const container of containersOf(object)) {
        expect(container.image, object.metadata.name).toBe(DEFAULT_IMAGE)
        expect(container.args[0]).toBe("node")
        expect(container.args[1]).toMatch(/^dist\/[a-z-]+\.mjs$/)
      }
    }
  })

  it.each(["server", "client", "dashboard", "migrate"])("the program dist/%s.mjs runs is one of src/programs/", (program) => {
    const used = scoreline.some((o) => containersOf(o).some((c) => c.args[1] === `dist/${program}.mjs`))
    expect(used).toBe(true)
    const source = Path.join(ROOT, "src/programs", `${program}.ts`)
    expect(Fs.existsSync(source), source).toBe(true)
  })

  it("is non-root, read-only, unprivileged, with no capability, and sized", () => {
    for (const object of workloads) {
      const pod = object.spec.template.spec
      expect(pod.securityContext.runAsNonRoot, object.metadata.name).toBe(true)
      expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" })
      expect(pod.automountServiceAccountToken).toBe(false)
      expect(pod.enableServiceLinks).toBe(false)
      for (const container of containersOf(object)) {
        expect(container.securityContext, `${object.metadata.name}/${container.name}`).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] }
        })
        expect(Object.keys(container.resources.requests).sort()).toEqual(["cpu", "memory"])
        expect(Object.keys(container.resources.limits).sort()).toEqual(["cpu", "memory"])
      }
    }
    for (const object of scoreline) expect(object.spec.template.spec.securityContext.runAsUser).toBe(1000)
  })

  it("has time to drain: grace above the preStop sleep plus SHUTDOWN_TIMEOUT", () => {
    const shutdown = Number(settings.SHUTDOWN_TIMEOUT)
    expect(shutdown).toBe(5)
    for (const object of scoreline.filter((o) => o.kind === "Deployment")) {
      const pod = object.spec.template.spec
      const sleep = pod.containers[0].lifecycle?.preStop?.exec?.command?.[1]
      const needsPreStop = object.metadata.name.startsWith("points-") || object.metadata.name === "scoreline-dashboard"
      expect(sleep !== undefined, object.metadata.name).toBe(needsPreStop)
      expect(pod.terminationGracePeriodSeconds, object.metadata.name).toBeGreaterThan(Number(sleep ?? 0) + shutdown)
    }
  })

  it("leaves the schema to the migrate Job: DB_MIGRATE=false wherever a program would migrate", () => {
    for (const object of scoreline.filter((o) => o.kind === "Deployment" && !o.metadata.name.startsWith("client-"))) {
      expect(envOf(containersOf(object)[0], "DB_MIGRATE"), object.metadata.name).toBe("false")
    }
    expect(all.filter((o) => o.kind === "Job").map((o) => containersOf(o)[0].args)).toEqual([["node", "dist/migrate.mjs"]])
    expect(settings.DB_HOST, "DB_HOST set: no embedded SQLite on a read-only root").toBeTruthy()
  })

  it("is scraped where it serves metrics: servers on METRICS_PORT, the dashboard on its HTTP port", () => {
    for (const object of scoreline.filter((o) => o.spec.template.metadata.annotations?.["prometheus.io/scrape"] === "true")) {
      const annotations = object.spec.template.metadata.annotations
      const [container] = containersOf(object)
      const port = portOf(container, Number(annotations["prometheus.io/port"]))
      expect(port?.protocol, object.metadata.name).toBe("TCP")
      const served = envOf(container, "METRICS_PORT") ?? envOf(container, "HTTP_PORT")
      expect(served).toBe(annotations["prometheus.io/port"])
    }
    expect(scoreline.filter((o) => o.spec.template.metadata.annotations?.["prometheus.io/scrape"]).length).toBe(
      scoreline.filter((o) => o.metadata.name.startsWith("points-")).length + 1
    )
  })
})

describe("the dashboard", () => {
  const deployment = find(all, "Deployment", "scoreline-dashboard")!
  const [container] = containersOf(deployment)

  it("is probed over HTTP on /healthz at HTTP_PORT, and its Service reaches that port", () => {
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe("/healthz")
      expect(portOf(container, probe.httpGet.port).containerPort).toBe(Number(envOf(container, "HTTP_PORT")))
    }
    expect(envOf(container, "HTTP_PORT")).toBe("8080")
    const service = find(all, "Service", "scoreline-dashboard")!
    expect(portOf(container, service.spec.ports[0].targetPort).containerPort).toBe(8080)
    const ingress = find(all, "Ingress", "scoreline-dashboard")!
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "scoreline-dashboard", port: { name: "http" } })
  })
})

describe("secrets", () => {
  it("no Secret in the repository holds a value, and none is a resource that apply would write", () => {
    const secrets = all.filter((o) => o.kind === "Secret")
    expect(secrets.length).toBeGreaterThan(0)
    for (const secret of secrets) {
      for (const value of [...Object.values(secret.stringData ?? {}), ...Object.values(secret.data ?? {})]) expect(value).toBe("")
    }
    const resources = files.filter((f) => !f.path.endsWith("kustomization.yaml") && !f.path.endsWith(".template.yaml")).flatMap((f) => f.objects)
    expect(resources.filter((o) => o.kind === "Secret")).toEqual([])
    // No password in the settings either.
    expect(Object.keys(settings).filter((key) => /PASS$|TOKEN$|SECRET/.test(key))).toEqual([])
  })

  it("every key a pod reads from the Secret is in its template", () => {
    const template = all.find((o) => o.kind === "Secret")!
    const keys = Object.keys(template.stringData!)
    const used = JSON.stringify(workloads).match(/"key":"[a-z-]+"/g)!.map((k) => k.slice(7, -1))
    for (const key of used) expect(keys).toContain(key)
  })
})

describe("the generator's choices", () => {
  const seed000 = rosterOf("seed000")
  const generate = (replicas: number) =>
    baseFiles("x", seed000, { source: "test", image: DEFAULT_IMAGE, replicas }).flatMap((f) => (f.path.endsWith(".yaml") ? parseYamlFile(f.text) : [])) as Array<KubeObject>

  it("--replicas sets every server's count; one replica gets no budget", () => {
    expect(generate(3).filter((o) => o.kind === "Deployment" && o.metadata.name.startsWith("points-")).map((o) => o.spec.replicas)).toEqual([3, 3, 3, 3])
    expect(generate(1).filter((o) => o.kind === "PodDisruptionBudget")).toEqual([])
  })

  it("names objects by a DNS-safe slug of each user, and refuses two users with one slug", () => {
    expect([...slugsOf(rosterOf("seed002")).values()]).toContain("python-user-azmeer")
    const clash = Schema.decodeUnknownSync(Roster)({ name: "x", description: "", servers: [{ user: "A_b", transport: "tcp", port: 1 }, { user: "a-B", transport: "udp", port: 2 }] })
    expect(() => slugsOf(clash)).toThrow(`users "A_b" and "a-B" both become "a-b"`)
  })
})

