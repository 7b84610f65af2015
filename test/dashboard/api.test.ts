import * as Http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Layer } from "effect"
import type { Db } from "../../src/layers/Db.js"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { freePort } from "../support/processes.js"
import { type InProcessServer, startPointsServer, uniqueUser, useEmbeddedDb } from "../programs/harness.js"
import { eventually, getJson, type RunningDashboard, startDashboard } from "./support.js"

const STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/
const TOKEN = "s3cret-token"

/** GET with the path sent exactly as written (fetch would normalise `/../`). */
const rawGet = (port: number, path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = Http.request({ host: "127.0.0.1", port, path, method: "GET" }, (response) => {
      let body = ""
      response.on("data", (chunk) => (body += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on("error", reject)
    request.end()
  })

const backends: ReadonlyArray<{ name: string; describe: (name: string, body: () => void) => void; use: () => { layer(): Layer.Layer<Db, unknown> } }> = [
  { name: "embedded SQLite", describe, use: useEmbeddedDb },
  { name: "MariaDB", describe: describeMariaDb, use: useTestDatabase }
]

for (const backend of backends) {
  backend.describe(`dashboard REST API on ${backend.name}`, () => {
    const db = backend.use()
    let server: InProcessServer
    let dashboard: RunningDashboard
    let closed: RunningDashboard
    let deadPort: number
    const user = uniqueUser("api")

    beforeAll(async () => {
      server = await startPointsServer({ db: db.layer(), user, intervalSeconds: 0.3 })
      deadPort = await freePort()
      const roster = [
        { user, transport: "tcp" as const, port: server.port, dialect: "REQUEST_LATEST_POINTS" as const },
        { user: "nobody_listens", transport: "tcp" as const, port: deadPort, dialect: "REQUEST_LATEST_POINTS" as const }
      ]
      dashboard = await startDashboard({ db: db.layer(), roster, adminToken: TOKEN })
      closed = await startDashboard({ db: db.layer(), roster })
    })
    afterAll(async () => {
      await dashboard?.stop()
      await closed?.stop()
      await server?.stop()
    })

    it("GET /api/users: seed 001's envelope, every user with numeric points", async () => {
      const { body, headers, status } = await getJson(`${dashboard.url}/api/users`)
      expect(status).toBe(200)
      expect(headers.get("content-type")).toMatch(/^application\/json/)
      expect(Object.keys(body).sort()).toEqual(["data", "success", "timestamp"])
      expect(body.success).toBe(true)
      expect(body.timestamp).toMatch(STAMP)
      const row = body.data.find((r: { user: string }) => r.user === user)
      expect(Object.keys(row).sort()).toEqual(["datetime_stamp", "points", "user"])
      expect(typeof row.points).toBe("number")
      expect(row.datetime_stamp).toMatch(STAMP)
    })

    it("GET /api/users/{name}: one user; unknown and injected names are a 404 with success false", async () => {
      const one = await getJson(`${dashboard.url}/api/users/${user}`)
      expect(one.status).toBe(200)
      expect(one.body.data.user).toBe(user)
      const unknown = await getJson(`${dashboard.url}/api/users/no_such_user`)
      expect(unknown.status).toBe(404)
      expect(unknown.body).toMatchObject({ success: false, message: expect.stringContaining("no_such_user") })
      const injected = await getJson(`${dashboard.url}/api/users/${encodeURIComponent("' OR 1=1 --")}`)
      expect(injected.status).toBe(404)
      expect(injected.body.success).toBe(false)
      // Nothing was dropped or matched by the attempt: the control endpoints bind the name too.
      const toggled = await getJson(`${dashboard.url}/api/users/${encodeURIComponent("' OR 1=1 --")}/toggle`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` }
      })
      expect(toggled).toMatchObject({ status: 404, body: { error: expect.stringContaining("OR 1=1") } })
      expect((await getJson(`${dashboard.url}/api/users/${user}`)).status).toBe(200)
    })

    it("GET /api/stats: numbers that agree with the users", async () => {
      const { body } = await getJson(`${dashboard.url}/api/snapshot`)
      const points = body.data.users.map((row: { points: number }) => row.points)
      const stats = body.data.stats
      for (const key of ["total_points", "avg_points", "max_points", "min_points", "total_users"]) expect(typeof stats[key]).toBe("number")
      expect(stats.total_points).toBe(points.reduce((a: number, b: number) => a + b, 0))
      expect(stats.max_points).toBe(Math.max(...points))
      expect(stats.min_points).toBe(Math.min(...points))
      expect(stats.avg_points).toBeCloseTo(stats.total_points / points.length)
      expect(stats.total_users).toBe(points.length)
      const direct = await getJson(`${dashboard.url}/api/stats`)
      expect(direct.body.success).toBe(true)
      expect(typeof direct.body.data.avg_points).toBe("number")
    })

    it("GET /api/servers: each roster server probed over its own protocol, up or down, with seed 001's keys", async () => {
      const servers = await eventually(async () => {
        const { body } = await getJson(`${dashboard.url}/api/servers`)
        return body.data.every((s: { status: string }) => s.status !== "unknown") ? body.data : undefined
      }, 20_000, "probes")
      const live = servers.find((s: { user: string }) => s.user === user)
      const dead = servers.find((s: { user: string }) => s.user === "nobody_listens")
      expect(live).toMatchObject({ transport: "tcp", host: "127.0.0.1", port: server.port, language: "typescript", status: "up", control_port: null, error: null })
      expect(typeof live.rtt_ms).toBe("number")
      expect(live.name).toBe(`server-${user}`)
      expect(dead).toMatchObject({ status: "down", port: deadPort, rtt_ms: null })
      expect(dead.error).toMatch(/ECONNREFUSED|cannot connect/)
    })

    it("GET /api/history: recorded increments, newest first, filtered and limited", async () => {
      const history = await eventually(async () => {
        const { body } = await getJson(`${dashboard.url}/api/history?user=${user}&limit=2`)
        return body.data.length === 2 ? body.data : undefined
      }, 20_000, "two recorded increments")
      for (const entry of history) expect(entry).toMatchObject({ user, points: 1, recorded_at: expect.stringMatching(STAMP) })
      expect(history[0].slot).toBeGreaterThan(history[1].slot)
      const other = await getJson(`${dashboard.url}/api/history?user=nobody_listens`)
      expect(other.body.data).toEqual([])
      expect((await getJson(`${dashboard.url}/api/history?limit=0`)).status).toBe(400)
    })

    it("user control: 403 with no ADMIN_TOKEN configured, 401 with a wrong or missing token, as { error }", async () => {
      for (const action of ["toggle", "reset"]) {
        const forbidden = await getJson(`${closed.url}/api/users/${user}/${action}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })
        expect(forbidden.status).toBe(403)
        expect(Object.keys(forbidden.body)).toEqual(["error"])
        expect(forbidden.body.error).toMatch(/ADMIN_TOKEN/)
        const wrong = await getJson(`${dashboard.url}/api/users/${user}/${action}`, { method: "POST", headers: { authorization: "Bearer nope" } })
        expect(wrong.status).toBe(401)
        expect(Object.keys(wrong.body)).toEqual(["error"])
        const missing = await getJson(`${dashboard.url}/api/users/${user}/${action}`, { method: "POST" })
        expect(missing.status).toBe(401)
      }
      const unknown = await getJson(`${dashboard.url}/api/users/no_such_user/status`)
      expect(unknown).toMatchObject({ status: 404, body: { error: expect.any(String) } })
    })

    it("toggle pauses and resumes (state in the database), reset sets the points to 0", async () => {
      const auth = { authorization: `Bearer ${TOKEN}` }
      expect((await getJson(`${dashboard.url}/api/users/${user}/status`)).body).toEqual({ success: true, username: user, status: "active" })
      const paused = await getJson(`${dashboard.url}/api/users/${user}/toggle`, { method: "POST", headers: auth })
      expect(paused).toMatchObject({ status: 200, body: { success: true, username: user, status: "paused" } })
      expect((await getJson(`${dashboard.url}/api/users/${user}/status`)).body.status).toBe("paused")
      // Another dashboard over the same database sees it: the pause is the database's, not a process's.
      await eventually(async () => ((await getJson(`${closed.url}/api/users/${user}/status`)).body.status === "paused" ? true : undefined))
      const resumed = await getJson(`${dashboard.url}/api/users/${user}/toggle`, { method: "POST", headers: auth })
      expect(resumed.body.status).toBe("active")
      const reset = await getJson(`${dashboard.url}/api/users/${user}/reset`, { method: "POST", headers: auth })
      expect(reset).toMatchObject({ status: 200, body: { success: true, username: user, message: expect.stringContaining("0") } })
      const after = await getJson(`${dashboard.url}/api/users/${user}`)
      // Reset answers after the watcher re-read the row; the server may have added a point since.
      expect(after.body.data.points).toBeLessThanOrEqual(1)
    })

    it("a paused user's running server adds no points until resumed", async () => {
      const auth = { authorization: `Bearer ${TOKEN}` }
      const points = async () => (await getJson(`${dashboard.url}/api/users/${user}`)).body.data.points as number
      await getJson(`${dashboard.url}/api/users/${user}/toggle`, { method: "POST", headers: auth })
      // Within the servers' freshness bound the pause reaches the running server; from then on nothing is added.
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      const frozen = await points()
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      expect(await points()).toBe(frozen)
      await getJson(`${dashboard.url}/api/users/${user}/toggle`, { method: "POST", headers: auth })
      await eventually(async () => ((await points()) > frozen ? true : undefined), 20_000, "points after resuming")
    })

    it("static files only from the asset folder: / and its files, never ../ or %2e%2e", async () => {
      const page = await rawGet(dashboard.port, "/")
      expect(page.status).toBe(200)
      expect(page.body).toContain('id="usersTableBody"')
      expect((await rawGet(dashboard.port, "/assets/dashboard.js")).status).toBe(200)
      const chart = await rawGet(dashboard.port, "/assets/vendor/chart.umd.min.js")
      expect(chart.status).toBe(200)
      expect(chart.body).toContain("Chart")
      for (const path of ["/../package.json", "/assets/../package.json", "/assets/%2e%2e/package.json", "/assets/%2e%2e%2fpackage.json", "/assets/..%2f..%2fpackage.json", "/assets/%2fetc%2fpasswd"]) {
        const response = await rawGet(dashboard.port, path)
        expect(response.status, path).toBe(404)
        expect(response.body, path).not.toContain('"name": "scoreline"')
        expect(response.body, path).not.toContain("root:")
      }
    })

    it("GET /healthz answers 200", async () => {
      expect((await fetch(`${dashboard.url}/healthz`)).status).toBe(200)
    })
  })
}
