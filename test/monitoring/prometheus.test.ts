import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import * as Yaml from "yaml"
import { eventually, getJson } from "../dashboard/support.js"
import { useCommands, usePrograms, useTempDir } from "../programs/harness.js"
import { freePort, ROOT } from "../support/processes.js"
import { PROMETHEUS, prometheusAvailable } from "../support/prometheus.js"
import { RABBITMQ_URL } from "../support/rabbitmq.js"

const URL_LINE = /message="dashboard at http:\/\/[\w.]+:(\d+)"/
const RULES = Fs.readFileSync(Path.join(ROOT, "monitoring/rules.yml"), "utf8")

const DASHBOARD = Fs.readFileSync(Path.join(ROOT, "monitoring/grafana/scoreline.json"), "utf8")

/** Every metric name the rules and the dashboard's panels use (scoreline_* and up), without the histogram's suffixes. */
const seriesInRules = () => [...new Set([...(RULES + DASHBOARD).matchAll(/\b(scoreline_[a-z_]+|up)\b(?=[{\s)\[])/g)].map((m) => m[1]!.replace(/_bucket$/, "")))]

/** The rules with every `for:` at 2 s, so a test sees an alert pending within seconds. */
const shortRules = () => RULES.replace(/for: \d+m/g, "for: 2s")

/** One PromQL query's vector through the HTTP API. */
const query = async (port: number, promql: string) => {
  const body = await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`)).json() as {
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }
  }
  return body.data.result
}

describe.skipIf(!prometheusAvailable)("a real Prometheus scraping a running stack and a lone server", () => {
  const start = usePrograms()
  const run = useCommands()
  const tmp = useTempDir()

  it("every series the rules use is in real /metrics; a user's points grow in PromQL; a stopped server is ScorelineServerDown", async () => {
    const roster = Path.join(tmp.path, "roster.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "t", description: "", servers: [{ user: "dana", transport: "tcp", port: await freePort() }] }))
    const stack = start("stack", {
      ROSTER: roster, SERVER_HOST: "127.0.0.1", HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", UPDATE_INTERVAL: "0.3",
      POLL_INTERVAL: "0.3", STACK_ECHO: "false", STACK_MESSAGES: "false", DB_FILE: Path.join(tmp.path, "stack.db")
    })
    await stack.waitFor(URL_LINE, 30_000)
    const dashboard = Number(URL_LINE.exec(stack.stderr())![1])
    const serverMetrics = await freePort()
    const server = start("server", {
      SERVER_USER: "erin", SERVER_PORT: "0", SERVER_HOST: "127.0.0.1", UPDATE_INTERVAL: "0.3",
      METRICS_PORT: String(serverMetrics), DB_FILE: Path.join(tmp.path, "server.db"),
      // Publishing events, so the events panels' series are there too.
      BROKER_URL: RABBITMQ_URL, BROKER_EXCHANGE: "scoreline.test.monitoring"
    })
    await server.waitFor(/metrics listening/, 30_000)

    // Every name a rule uses is exported by a running stack or server: declared (# TYPE) at least, as
    // scoreline_database_errors_total is before its first error until it is exported at 0 per operation.
    await eventually(async () => ((await getJson(`http://127.0.0.1:${dashboard}/api/servers`)).body.data[0].status === "up" ? true : undefined))
    const exposed = (await (await fetch(`http://127.0.0.1:${dashboard}/metrics`)).text()) + (await (await fetch(`http://127.0.0.1:${serverMetrics}/metrics`)).text())
    const missing = seriesInRules().filter((name) => name !== "up" && !new RegExp(`^# TYPE ${name} `, "m").test(exposed))
    expect(missing).toEqual([])

    const dir = tmp.path
    Fs.writeFileSync(Path.join(dir, "rules.yml"), shortRules())
    Fs.writeFileSync(Path.join(dir, "prometheus.yml"), Yaml.stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: [Path.join(dir, "rules.yml")],
      scrape_configs: [
        { job_name: "scoreline-dashboard", static_configs: [{ targets: [`127.0.0.1:${dashboard}`] }] },
        { job_name: "scoreline-server", static_configs: [{ targets: [`127.0.0.1:${serverMetrics}`] }] }
      ]
    }))
    const port = await freePort()
    run({
      command: PROMETHEUS.server,
      args: [`--config.file=${Path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${Path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`]
    })
    const points = async () => Number((await query(port, 'scoreline_user_points{user="dana"}'))[0]?.value[1] ?? Number.NaN)
    const first = await eventually(async () => ((await points()) >= 0 ? await points() : undefined), 30_000, "dana's points in Prometheus")
    const later = await eventually(async () => ((await points()) > first ? await points() : undefined), 30_000, "dana's points growing")
    console.info(`PromQL scoreline_user_points{user="dana"}: ${first} then ${later}`)
    expect(later).toBeGreaterThan(first)

    server.kill("SIGTERM")
    await server.exited
    const alert = await eventually(async () => {
      const alerts = await query(port, 'ALERTS{alertname="ScorelineServerDown"}')
      return alerts.find((a) => a.metric.instance === `127.0.0.1:${serverMetrics}`)
    }, 30_000, "ScorelineServerDown for the stopped server")
    console.info(`ALERTS: ${JSON.stringify(alert.metric)}`)
    expect(["pending", "firing"]).toContain(alert.metric.alertstate)
    stack.kill("SIGTERM")
  }, 120_000)
})
