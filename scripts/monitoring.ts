// The monitoring files generated from the rosters (npm run monitoring): each compose layout's Prometheus
// scrape configuration, monitoring/prometheus/<roster>.yml. The alert rules' single source is
// monitoring/rules.yml (written by hand, tested by promtool); test/monitoring/generated.test.ts fails when a
// generated file differs from what this script writes.
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Yaml from "yaml"
import type { Roster } from "../src/schema/Roster.js"
import { scorelineDashboard } from "./grafana/dashboard.js"
import { readRoster, ROOT, serverService } from "./compose-layouts.js"

/** The METRICS_PORT every server container listens on (each container has its own network address). */
export const SERVER_METRICS_PORT = 9100
/** The dashboard's HTTP_PORT in compose; it serves /metrics beside the page. */
export const DASHBOARD_METRICS_TARGET = "dashboard:8080"
/** Where the prometheus service finds the rules (compose mounts monitoring/rules.yml there). */
export const RULES_IN_CONTAINER = "/etc/prometheus/rules.yml"
export const ROSTERS = ["seed000", "seed001", "seed002"] as const

export const prometheusConfigFile = (roster: string) => `monitoring/prometheus/${roster}.yml`

/**
 * Prometheus's configuration for a roster's layout: the dashboard's /metrics (its probes of every server,
 * the points it reads) and every server's METRICS_PORT, each replica found through Docker's DNS (`--scale`).
 * The `scoreline-server` job name is what ScorelineServerDown's `up` clause matches.
 */
export const prometheusConfig = (roster: Roster, options: { readonly scrapeInterval?: string } = {}) => ({
  global: { scrape_interval: options.scrapeInterval ?? "15s", evaluation_interval: options.scrapeInterval ?? "15s" },
  rule_files: [RULES_IN_CONTAINER],
  scrape_configs: [
    { job_name: "scoreline-dashboard", static_configs: [{ targets: [DASHBOARD_METRICS_TARGET] }] },
    {
      job_name: "scoreline-server",
      dns_sd_configs: roster.servers.map((entry) => ({ names: [serverService(entry)], type: "A", port: SERVER_METRICS_PORT })),
      relabel_configs: [{ source_labels: ["__meta_dns_name"], target_label: "service" }]
    }
  ]
})

export const prometheusConfigText = (roster: Roster) =>
  `# Generated from rosters/${roster.name}.json by scripts/monitoring.ts (npm run monitoring): do not edit.\n` +
  Yaml.stringify(prometheusConfig(roster))

/** Every generated monitoring file, by path, with its text. */
export const generatedFiles = (): Record<string, string> => ({
  ...Object.fromEntries(ROSTERS.map((name) => [prometheusConfigFile(name), prometheusConfigText(readRoster(name))])),
  "monitoring/grafana/scoreline.json": `${JSON.stringify(scorelineDashboard(), null, 2)}\n`
})

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(generatedFiles())) {
    Fs.mkdirSync(Path.dirname(Path.join(ROOT, file)), { recursive: true })
    Fs.writeFileSync(Path.join(ROOT, file), text)
    console.log(`wrote ${file}`)
  }
}
