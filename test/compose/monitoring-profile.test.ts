import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Yaml from "yaml"
import { describe, expect, it } from "vitest"
import { LAYOUT_ROSTERS, layoutFile, readCompose, readRoster, ROOT, rosterServicesOf, serverService, type Service } from "../../scripts/compose-layouts.js"
import {
  GRAFANA_DASHBOARD_FILE,
  GRAFANA_PASSWORD_SECRET,
  GRAFANA_SERVICE,
  grafanaService,
  MONITORING_PROFILE,
  PROMETHEUS_SERVICE,
  prometheusConfigFile,
  prometheusService
} from "../../scripts/compose-monitoring.js"

/**
 * Compose's monitoring profile, by its configuration: Grafana has no Debian package and no image can be pulled
 * here, so its service and provisioning are checked as files (docs/MONITORING.md). Prometheus is checked the
 * same way here; test/monitoring/prometheus.test.ts runs Debian's binary on the same scrape configuration's shape.
 */
const LAYOUTS = [
  { file: "compose.yml", roster: "seed000" },
  ...LAYOUT_ROSTERS.map((roster) => ({ file: layoutFile(roster), roster }))
].map((layout) => ({ ...layout, compose: readCompose(layout.file) }))

const hostPath = (volume: string) => volume.split(":")[0]!
const read = (file: string) => Fs.readFileSync(Path.join(ROOT, file), "utf8")
const listenPort = (service: Service) => Number(/--web\.listen-address=:(\d+)/.exec((service.command ?? []).join(" "))?.[1])

describe("compose's monitoring profile", () => {
  it("compose.yml spells Prometheus and Grafana as scripts/compose-monitoring.ts makes them", () => {
    const base = LAYOUTS[0]!.compose
    expect(base.services[PROMETHEUS_SERVICE]).toEqual(prometheusService("seed000"))
    expect(base.services[GRAFANA_SERVICE]).toEqual(grafanaService())
  })

  for (const layout of LAYOUTS) {
    describe(layout.file, () => {
      const services = layout.compose.services
      const prometheus = services[PROMETHEUS_SERVICE]!
      const grafana = services[GRAFANA_SERVICE]!

      it("starts both only with --profile monitoring, their UIs on 127.0.0.1 only", () => {
        for (const service of [prometheus, grafana]) {
          expect(service.profiles).toEqual([MONITORING_PROFILE])
          expect(service.ports!.length).toBeGreaterThan(0)
          for (const port of service.ports!) expect(port).toMatch(/^127\.0\.0\.1:/)
        }
      })

      it("scrapes this layout's servers on the METRICS_PORT each one sets, and the dashboard's /metrics", () => {
        const volume = prometheus.volumes!.find((v) => v.endsWith(":/etc/prometheus/prometheus.yml:ro"))!
        expect(hostPath(volume)).toBe(`./${prometheusConfigFile(layout.roster)}`)
        const config = Yaml.parse(read(hostPath(volume))) as {
          scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: Array<string>; port: number }>; static_configs?: Array<{ targets: Array<string> }> }>
        }
        const servers = config.scrape_configs.find((job) => job.job_name === "scoreline-server")!
        const scraped = servers.dns_sd_configs!.map((sd) => [sd.names[0], sd.port])
        const served = Object.entries(rosterServicesOf(layout.compose))
          .filter(([, service]) => service.environment?.SERVER_USER !== undefined)
          .map(([name, service]) => [name, Number(service.environment!.METRICS_PORT)])
        expect(scraped).toEqual(served)
        expect(scraped.map(([name]) => name)).toEqual(readRoster(layout.roster).servers.map(serverService))
        const dashboard = config.scrape_configs.find((job) => job.job_name === "scoreline-dashboard")!
        const [host, port] = dashboard.static_configs![0]!.targets[0]!.split(":")
        expect(services[host!]?.environment?.HTTP_PORT).toBe(port)
      })

      it("mounts files that exist: the rules, the provisioning and the dashboard", () => {
        for (const volume of [...prometheus.volumes!, ...grafana.volumes!].filter((v) => v.startsWith("./"))) {
          expect(Fs.existsSync(Path.join(ROOT, hostPath(volume))), volume).toBe(true)
        }
      })

      it("gives Grafana its admin password from a Compose secret, never a variable", () => {
        expect(grafana.secrets).toEqual([GRAFANA_PASSWORD_SECRET])
        expect(grafana.environment!.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe(`/run/secrets/${GRAFANA_PASSWORD_SECRET}`)
        expect(Object.keys(grafana.environment!)).not.toContain("GF_SECURITY_ADMIN_PASSWORD")
        expect(Object.keys(layout.compose.secrets as object)).toContain(GRAFANA_PASSWORD_SECRET)
        expect(read("scripts/make-secrets.sh")).toMatch(new RegExp(`for name in [^\\n]*\\b${GRAFANA_PASSWORD_SECRET}\\b`))
      })

      it("provisions Prometheus as the data source every panel names, and the dashboard where compose mounts it", () => {
        const provisioning = hostPath(grafana.volumes!.find((v) => v.endsWith(":/etc/grafana/provisioning:ro"))!)
        const datasources = Yaml.parse(read(`${provisioning}/datasources/prometheus.yml`)).datasources as Array<{ uid: string; url: string; type: string }>
        expect(datasources).toHaveLength(1)
        const url = new URL(datasources[0]!.url)
        expect(services[url.hostname]).toBe(prometheus)
        expect(Number(url.port)).toBe(listenPort(prometheus))
        const dashboard = JSON.parse(read(GRAFANA_DASHBOARD_FILE)) as { panels: Array<{ datasource?: { uid: string } }> }
        const uids = new Set(dashboard.panels.flatMap((panel) => (panel.datasource === undefined ? [] : [panel.datasource.uid])))
        expect([...uids]).toEqual([datasources[0]!.uid])
        const providers = Yaml.parse(read(`${provisioning}/dashboards/scoreline.yml`)).providers as Array<{ options: { path: string } }>
        const mounted = grafana.volumes!.find((v) => hostPath(v) === `./${GRAFANA_DASHBOARD_FILE}`)!.split(":")[1]!
        expect(Path.dirname(mounted)).toBe(providers[0]!.options.path)
      })
    })
  }

  // Compose itself reads the files: `docker-compose config` (1.29, from Debian) resolves the profile.
  const compose = ChildProcess.spawnSync("docker-compose", ["version"], { encoding: "utf8" }).status === 0
  it.skipIf(!compose && process.env.CI !== "true").each(LAYOUTS.map((l) => l.file))("docker-compose accepts %s with --profile monitoring", (file) => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-compose-config-"))
    const run = ChildProcess.spawnSync("docker-compose", ["-f", Path.join(ROOT, file), "--project-directory", ROOT, "--env-file", Path.join(ROOT, ".env.example"), "--profile", MONITORING_PROFILE, "config", "--services"], {
      encoding: "utf8",
      cwd: dir
    })
    Fs.rmSync(dir, { recursive: true, force: true })
    expect(run.stderr).not.toMatch(/error/i)
    expect(run.stdout.split("\n")).toEqual(expect.arrayContaining([PROMETHEUS_SERVICE, GRAFANA_SERVICE]))
  })
})
