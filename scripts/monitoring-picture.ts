/**
 * docs/monitoring.png, the README's picture of the monitoring (`npm run docs:monitoring`). Grafana has no Debian
 * package and no image can be pulled here, so this draws what the dashboard's panels would show from a real
 * run: `npm start`'s system (seed 000's users on their ports, an embedded database, events to the local
 * RabbitMQ when one answers) scraped by Debian's Prometheus every 2 s with the alert rules, then every panel
 * of monitoring/grafana/scoreline.json queried over the run (its own PromQL, its own legends) and drawn with
 * Chart.js in headless Chromium. Needs the ports `npm start` uses free, and /usr/bin/prometheus.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import * as Yaml from "yaml"

const ROOT = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "..")
const OUT = Path.join(ROOT, "docs", "monitoring.png")
const SECONDS = Number(process.env.PICTURE_SECONDS ?? 150)
const BROKER_URL = process.env.BROKER_URL ?? "amqp://guest:guest@127.0.0.1:5672"
const PROMETHEUS_PORT = 39090

interface Panel {
  readonly type: string
  readonly title: string
  readonly fieldConfig?: { readonly defaults?: { readonly unit?: string } }
  readonly targets?: ReadonlyArray<{ readonly expr: string; readonly legendFormat?: string }>
}
interface Series {
  readonly metric: Record<string, string>
  readonly values: ReadonlyArray<[number, string]>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect(port, "127.0.0.1", () => resolve(true)).on("error", () => resolve(false))
    socket.setTimeout(1000, () => resolve(false))
    setTimeout(() => socket.destroy(), 1500)
  })
const legend = (format: string | undefined, metric: Record<string, string>) =>
  (format ?? JSON.stringify(metric)).replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => metric[name] ?? "")

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-monitoring-picture-"))
const events = await reachable(5672)
const children: Array<ReturnType<typeof spawn>> = []
const run = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] })
  children.push(child)
  return child
}

try {
  run(process.execPath, ["--import", "tsx", Path.join(ROOT, "src/programs/stack.ts")], {
    DB_FILE: Path.join(dir, "scoreline.db"), UPDATE_INTERVAL: "2", POLL_INTERVAL: "1", LOG_LEVEL: "warning",
    ...(events ? { BROKER_URL, BROKER_EXCHANGE: "scoreline.picture" } : {})
  })
  Fs.writeFileSync(Path.join(dir, "prometheus.yml"), Yaml.stringify({
    global: { scrape_interval: "2s", evaluation_interval: "2s" },
    rule_files: [Path.join(ROOT, "monitoring/rules.yml")],
    scrape_configs: [{ job_name: "scoreline-dashboard", static_configs: [{ targets: ["127.0.0.1:8080"] }] }]
  }))
  run("/usr/bin/prometheus", [
    `--config.file=${Path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${Path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`
  ])
  const started = Date.now() / 1000
  console.log(`running the system for ${SECONDS} s${events ? " (events to RabbitMQ)" : " (no broker: the events panels stay empty)"}`)
  await sleep(SECONDS * 1000)
  const end = Date.now() / 1000

  const dashboard = JSON.parse(Fs.readFileSync(Path.join(ROOT, "monitoring/grafana/scoreline.json"), "utf8")) as { panels: ReadonlyArray<Panel> }
  const panels = []
  for (const panel of dashboard.panels.filter((p) => p.type === "timeseries")) {
    // Seconds as milliseconds, as Grafana's "s" unit would show these latencies.
    const seconds = panel.fieldConfig?.defaults?.unit === "s"
    const lines = []
    for (const target of panel.targets ?? []) {
      const query = new URLSearchParams({ query: target.expr, start: String(started + 20), end: String(end), step: "2" })
      const body = await (await fetch(`http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query_range?${query}`)).json() as { data: { result: ReadonlyArray<Series> } }
      for (const series of body.data.result) {
        lines.push({ label: legend(target.legendFormat, series.metric), data: series.values.map(([t, v]) => ({ x: t - started, y: Number(v) * (seconds ? 1000 : 1) })) })
      }
    }
    panels.push({ title: seconds ? `${panel.title} (ms)` : panel.title, lines })
  }

  const page = `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; padding: 16px; background: #111217; color: #ccccdc; font: 13px sans-serif; }
    h1 { font-size: 16px; margin: 0 0 12px; } .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
    .panel { background: #181b1f; border: 1px solid #2c3235; border-radius: 3px; padding: 8px; height: 230px; }
    .panel h2 { font-size: 13px; margin: 0 0 4px; font-weight: 500; } .panel div { height: 200px; }
  </style><script>${Fs.readFileSync(Path.join(ROOT, "node_modules/chart.js/dist/chart.umd.js"), "utf8")}</script></head><body>
  <h1>scoreline — the Grafana dashboard's panels, drawn from a real Prometheus run (${SECONDS} s of npm start, 2 s scrapes)</h1>
  <div class="grid" id="grid"></div><script>
    const panels = ${JSON.stringify(panels)};
    const colours = ["#73bf69", "#f2cc0c", "#5794f2", "#ff780a", "#b877d9", "#f2495c", "#8ab8ff", "#fade2a"];
    Chart.defaults.color = "#ccccdc"; Chart.defaults.borderColor = "#2c3235"; Chart.defaults.animation = false;
    for (const panel of panels) {
      const box = document.createElement("div"); box.className = "panel";
      box.innerHTML = "<h2></h2><div><canvas></canvas></div>"; box.querySelector("h2").textContent = panel.title;
      document.getElementById("grid").appendChild(box);
      new Chart(box.querySelector("canvas"), { type: "line", data: { datasets: panel.lines.map((line, i) => ({
        label: line.label, data: line.data, borderColor: colours[i % colours.length], pointRadius: 0, borderWidth: 1.5 })) },
        options: { maintainAspectRatio: false, parsing: false, scales: { x: { type: "linear", title: { display: true, text: "seconds" } } },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 10 } } } } });
    }
  </script></body></html>`
  Fs.writeFileSync(Path.join(dir, "picture.html"), page)
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] })
  try {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await tab.goto(`file://${Path.join(dir, "picture.html")}`)
    await tab.screenshot({ path: OUT, fullPage: true })
    console.log(`wrote ${Path.relative(process.cwd(), OUT)} (${panels.length} panels, ${panels.reduce((n, p) => n + p.lines.length, 0)} series)`)
  } finally {
    await browser.close()
  }
} finally {
  for (const child of children) child.kill("SIGINT")
  await sleep(2000)
  Fs.rmSync(dir, { recursive: true, force: true })
}
