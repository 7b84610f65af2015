import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Db } from "../../src/layers/Db.js"
import { type InProcessServer, startPointsServer, uniqueUser, useEmbeddedDb } from "../programs/harness.js"
import { eventually, getJson, openStream, promtoolComplaints, requireTool, type RunningDashboard, startDashboard } from "./support.js"

const metricValue = (text: string, name: string, labels: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1))
}

describe("dashboard: live push, OpenAPI, metrics, query rate (embedded SQLite)", () => {
  const db = useEmbeddedDb()
  const user = uniqueUser("live")
  let server: InProcessServer
  let dashboard: RunningDashboard

  beforeAll(async () => {
    server = await startPointsServer({ db: db.layer(), user, intervalSeconds: 0.3 })
    dashboard = await startDashboard({ db: db.layer(), roster: [{ user, transport: "tcp", port: server.port, dialect: "REQUEST_LATEST_POINTS" }] })
  })
  afterAll(async () => {
    await dashboard?.stop()
    await server?.stop()
  })

  it("/openapi.json is OpenAPI 3.1 and lists every endpoint", async () => {
    const { body, status } = await getJson(`${dashboard.url}/openapi.json`)
    expect(status).toBe(200)
    expect(body.openapi).toBe("3.1.0")
    const listed = Object.entries(body.paths as Record<string, object>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    expect(listed.sort()).toEqual([
      "GET /api/history", "GET /api/servers", "GET /api/snapshot", "GET /api/stats", "GET /api/users", "GET /api/users/{username}",
      "GET /api/users/{username}/status", "POST /api/users/{username}/reset", "POST /api/users/{username}/toggle"
    ].sort())
    expect(Object.keys(body.paths["/api/users/{username}/toggle"].post.responses).sort()).toEqual(["200", "400", "401", "403", "404", "500"])
  })

  it("Swagger UI at /docs carries its own script and styles (works offline)", async () => {
    const response = await fetch(`${dashboard.url}/docs`)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain("SwaggerUIBundle")
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']?(https?:)?\/\//i)
  })

  it("pushes the state at once on /api/events, then each change, to every stream alike", async () => {
    const first = openStream(`${dashboard.url}/api/events`)
    const second = openStream(`${dashboard.url}/api/events`)
    try {
      const response = await first.opened
      expect(response.headers["content-type"]).toMatch(/^text\/event-stream/)
      await eventually(async () => (first.events.length > 0 && second.events.length > 0 ? true : undefined))
      const points = (event: { data: any }) => event.data.users.find((r: { user: string }) => r.user === user)?.points ?? -1
      const start = points(first.events[0]!)
      // A tick of the server (another connection, the database in between) reaches the stream by itself.
      await eventually(async () => (first.events.some((e) => points(e) > start) ? true : undefined), 20_000, "a pushed tick")
      const later = first.events.find((e) => points(e) > start)!
      expect(later.id).toBeGreaterThan(first.events[0]!.id)
      expect(later.data.stats.total_points).toBeGreaterThan(0)
      await eventually(async () => (second.events.some((e) => e.id === later.id) ? true : undefined))
      expect(JSON.stringify(second.events.find((e) => e.id === later.id)!.data)).toBe(JSON.stringify(later.data))
    } finally {
      first.close()
      second.close()
    }
  })

  it("one watcher: the database load does not follow the number of streams and requests", async () => {
    const queries = () => dashboard.run(Effect.flatMap(Db, (store) => store.queries))
    const streams = Array.from({ length: 20 }, () => openStream(`${dashboard.url}/api/events`))
    try {
      await Promise.all(streams.map((s) => s.opened))
      const before = await queries()
      const started = Date.now()
      let requests = 0
      for (let round = 0; round < 20; round++) {
        await Promise.all(["/api/users", "/api/stats", "/api/servers", "/api/snapshot", `/api/users/${user}`, "/api/history"].map(async (path) => {
          expect((await fetch(`${dashboard.url}${path}`)).status).toBe(200)
          requests++
        }))
      }
      const made = (await queries()) - before
      // The watcher reads every 0.2 s: at most 2 statements a round (the users with their pauses, and the
      // history after a change).
      const rounds = Math.ceil((Date.now() - started) / 200) + 2
      expect(made).toBeLessThanOrEqual(rounds * 2)
      expect(requests).toBe(120)
      expect(made).toBeLessThan(requests)
    } finally {
      for (const stream of streams) stream.close()
    }
  })

  it.skipIf(!requireTool("/usr/bin/promtool", "promtool"))("/metrics passes promtool and changes after a tick and after a request", async () => {
    const scrape = async () => {
      const response = await fetch(`${dashboard.url}/metrics`)
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
      return response.text()
    }
    const before = await scrape()
    expect(promtoolComplaints(before)).toBe("")
    for (const name of ["process_cpu_seconds_total", "nodejs_eventloop_lag_seconds", "scoreline_socket_requests_total", "scoreline_points_added_total"]) {
      expect(before).toContain(name)
    }
    const pointsBefore = metricValue(before, "scoreline_user_points", `user="${user}"`)!
    const requestsBefore = metricValue(before, "scoreline_http_requests_total", 'method="GET",code="200"') ?? 0
    expect(pointsBefore).toBeGreaterThanOrEqual(0)
    expect((await fetch(`${dashboard.url}/api/users`)).status).toBe(200)
    expect((await fetch(`${dashboard.url}/api/nothing-here`)).status).toBe(404)
    const after = await eventually(async () => {
      const text = await scrape()
      return metricValue(text, "scoreline_user_points", `user="${user}"`)! > pointsBefore ? text : undefined
    }, 20_000, "a tick in /metrics")
    expect(metricValue(after, "scoreline_http_requests_total", 'method="GET",code="200"')!).toBeGreaterThan(requestsBefore)
    expect(metricValue(after, "scoreline_http_requests_total", 'method="GET",code="404"')!).toBeGreaterThanOrEqual(1)
    expect(metricValue(after, "scoreline_server_up", `user="${user}"`)).toBe(1)
    expect(promtoolComplaints(after)).toBe("")
  })
})
