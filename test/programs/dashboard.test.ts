import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { freePort, ROOT } from "../support/processes.js"
import { eventually, getJson, promtoolComplaints, requireTool } from "../dashboard/support.js"
import { httpPortOf, useCommands, usePrograms, useTempDir } from "./harness.js"

/** Opens /api/events and resolves once the first event arrived; the stream stays open. */
const openEvents = (port: number) =>
  new Promise<Http.ClientRequest>((resolve, reject) => {
    const request = Http.get({ host: "127.0.0.1", port, path: "/api/events" }, (response) => {
      response.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("event: snapshot")) resolve(request)
      })
      response.on("error", () => {})
    })
    request.on("error", reject)
  })


describe("dashboard program", () => {
  const start = usePrograms()
  const tmp = useTempDir()

  it("--help lists its settings", async () => {
    const help = start("dashboard", {}, ["--help"])
    expect(await help.exited).toBe(0)
    for (const name of ["HTTP_PORT", "HTTP_HOST", "ADMIN_TOKEN", "ROSTER", "REFRESH_INTERVAL", "PROBE_HOST", "DB_HOST"]) expect(help.stdout()).toContain(name)
  })

  it("a bad setting stops it with one line naming the setting", async () => {
    const bad = start("dashboard", { HTTP_PORT: "99999", DB_FILE: Path.join(tmp.path, "bad.db") })
    expect(await bad.exited).toBe(1)
    expect(bad.stderr().trim()).toBe('error: HTTP_PORT: expected a port number from 0 to 65535, got "99999"')
  })

  it("reads the admin token from ADMIN_TOKEN_FILE (a Compose secret), over ADMIN_TOKEN", async () => {
    const file = Path.join(tmp.path, "admin_token")
    Fs.writeFileSync(file, "from-the-file\n")
    const dashboard = start("dashboard", {
      HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", ROSTER: "seed001", DB_FILE: Path.join(tmp.path, "token.db"),
      ADMIN_TOKEN: "from-the-variable", ADMIN_TOKEN_FILE: file
    })
    const url = `http://127.0.0.1:${await httpPortOf(dashboard)}/api/users/alice/reset`
    const reset = (token: string) => fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)
    expect(await reset("from-the-variable")).toBe(401)
    // The file's text without its trailing newline: authorized, and then the (empty) database has no such user.
    expect(await reset("from-the-file")).toBe(404)
  })

  it("an unreadable ADMIN_TOKEN_FILE stops it with one line naming the setting", async () => {
    const missing = Path.join(tmp.path, "no-such-token")
    const bad = start("dashboard", { HTTP_PORT: "0", ADMIN_TOKEN_FILE: missing, DB_FILE: Path.join(tmp.path, "bad-token.db") })
    expect(await bad.exited).toBe(1)
    expect(bad.stderr().trim()).toMatch(new RegExp(`^error: ADMIN_TOKEN_FILE: cannot read ${missing}: ENOENT`))
  })

  it("stops on SIGTERM with exit 0 while a browser holds the live stream open", async () => {
    const dashboard = start("dashboard", { HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", ROSTER: "seed001", DB_FILE: Path.join(tmp.path, "sse.db") })
    const port = await httpPortOf(dashboard)
    const stream = await openEvents(port)
    const closed = new Promise<void>((resolve) => stream.on("close", () => resolve()))
    const signalled = performance.now()
    dashboard.kill("SIGTERM")
    expect(await dashboard.exited).toBe(0)
    await closed
    // Recorded, not asserted (the machine is shared): the bound is 1 s.
    console.info(`dashboard exited ${Math.round(performance.now() - signalled)} ms after SIGTERM with a stream open`)
  }, 90_000)
})

describe("stack with its dashboard, and a lone server's METRICS_PORT", () => {
  const start = usePrograms()
  const tmp = useTempDir()

  it("a stack with an unreadable ADMIN_TOKEN_FILE stops with one line before any server listens", async () => {
    const missing = Path.join(tmp.path, "no-such-token")
    const bad = start("stack", { ROSTER: "seed000", HTTP_PORT: "0", ADMIN_TOKEN_FILE: missing, DB_FILE: Path.join(tmp.path, "bad-stack.db") })
    expect(await bad.exited).toBe(1)
    expect(bad.stderr().trim()).toMatch(new RegExp(`^error: ADMIN_TOKEN_FILE: cannot read ${missing}: ENOENT`))
  })

  it("the stack serves the dashboard over its own servers, with the whole process's metrics", async () => {
    const serverPort = await freePort()
    const roster = Path.join(tmp.path, "roster.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "t", description: "", servers: [{ user: "dana", transport: "tcp", port: serverPort }] }))
    const stack = start("stack", {
      ROSTER: roster, SERVER_HOST: "127.0.0.1", HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", UPDATE_INTERVAL: "0.3",
      POLL_INTERVAL: "0.3", STACK_ECHO: "false", STACK_MESSAGES: "false", DB_FILE: Path.join(tmp.path, "stack.db")
    })
    const port = await httpPortOf(stack)
    const url = `http://127.0.0.1:${port}`
    await eventually(async () => {
      const { body } = await getJson(`${url}/api/users/dana`)
      return body.data?.points > 1 ? true : undefined
    }, 30_000, "dana's points through the stack's dashboard")
    await eventually(async () => ((await getJson(`${url}/api/servers`)).body.data[0].status === "up" ? true : undefined))
    const metrics = await (await fetch(`${url}/metrics`)).text()
    // The servers' own counters are in the same registry the dashboard exposes.
    expect(metrics).toMatch(/^scoreline_points_added_total\{user="dana"\} [1-9]/m)
    expect(metrics).toMatch(/^scoreline_http_requests_total\{method="GET",code="200"\} [1-9]/m)
    stack.kill("SIGTERM")
    expect(await stack.exited).toBe(0)
  }, 90_000)

  it.skipIf(!requireTool("/usr/bin/promtool", "promtool"))("server with METRICS_PORT exposes its own /metrics (and none without it)", async () => {
    const metricsPort = await freePort()
    const server = start("server", {
      SERVER_USER: "erin", SERVER_PORT: "0", SERVER_HOST: "127.0.0.1", UPDATE_INTERVAL: "0.3", METRICS_PORT: String(metricsPort),
      DB_FILE: Path.join(tmp.path, "server.db")
    })
    await server.waitFor(/metrics listening/, 30_000)
    const text = await eventually(async () => {
      const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
      return /^scoreline_points_added_total\{user="erin"\} [1-9]/m.test(body) ? body : undefined
    }, 30_000, "erin's points in /metrics")
    expect(text).toContain("process_resident_memory_bytes")
    expect(promtoolComplaints(text)).toBe("")
    server.kill("SIGTERM")
    expect(await server.exited).toBe(0)
    const plain = start("server", { SERVER_USER: "fay", SERVER_PORT: "0", SERVER_HOST: "127.0.0.1", DB_FILE: Path.join(tmp.path, "plain.db") })
    await plain.waitFor(/points server listening/, 30_000)
    expect(plain.stderr()).not.toContain("metrics listening")
  }, 90_000)
})

describe("the bundled dashboard (npm run build)", () => {
  const run = useCommands()
  const tmp = useTempDir()

  // dist/ is the global setup's build (test/support/buildOnce.ts): building again here would delete the
  // bundles under the programs other test files are starting at the same moment.
  it("dist/dashboard.mjs serves its page, its script and Chart.js from its own asset folder", async () => {
    const dashboard = run({ command: process.execPath, args: [Path.join(ROOT, "dist/dashboard.mjs")] }, {
      HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", DB_FILE: Path.join(tmp.path, "dist.db")
    })
    const port = await httpPortOf(dashboard)
    for (const path of ["/", "/assets/dashboard.js", "/assets/dashboard.css", "/assets/vendor/chart.umd.min.js", "/docs"]) {
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status, path).toBe(200)
    }
    dashboard.kill("SIGTERM")
    expect(await dashboard.exited).toBe(0)
  }, 180_000)
})
