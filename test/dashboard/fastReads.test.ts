import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fastRoutes } from "../../src/dashboard/FastReads.js"
import { type InProcessServer, startPointsServer, uniqueUser, useEmbeddedDb } from "../programs/harness.js"
import { eventually, type RunningDashboard, startDashboard } from "./support.js"

/** Everything of an answer a client can see, but the Date header (it may tick between two requests). */
const answer = async (url: string) => {
  const response = await fetch(url)
  const headers = [...response.headers].filter(([name]) => name !== "date")
  return { status: response.status, headers, body: await response.text() }
}

/**
 * The fast path answers the plain read GETs before the router. The router still answers them when the path
 * carries a query string (which the fast path never takes), so each route can be asked both ways and the
 * two answers compared: status, headers and bytes.
 */
describe("dashboard fast reads agree with the router", () => {
  const db = useEmbeddedDb()
  const user = uniqueUser("fast")
  let server: InProcessServer
  let dashboard: RunningDashboard

  beforeAll(async () => {
    server = await startPointsServer({ db: db.layer(), user, intervalSeconds: 0.3 })
    const roster = [{ user, transport: "tcp" as const, port: server.port, dialect: "REQUEST_LATEST_POINTS" as const }]
    // Probes and refreshes rarely, so the state stands still while both ways are asked.
    dashboard = await startDashboard({ db: db.layer(), roster, refreshSeconds: 0.5, probeSeconds: 30 })
    await eventually(async () => {
      const body = (await (await fetch(`${dashboard.url}/api/users/${user}?`)).json()) as any
      return body.success === true ? true : undefined
    }, 20_000, "the user's row")
  })
  afterAll(async () => {
    await dashboard?.stop()
    await server?.stop()
  })

  it("the route table comes from DashboardApi: the GET reads of the view, and no endpoint with query parameters", () => {
    expect(fastRoutes.map((route) => `${route.read} ${route.segments.join("/")}`).sort()).toEqual([
      "getUser /api/users/:username",
      "listServers /api/servers",
      "listUsers /api/users",
      "snapshot /api/snapshot",
      "stats /api/stats"
    ])
  })

  for (const route of fastRoutes) {
    it(`GET ${route.segments.join("/")}: the same status, headers and body by the fast path and by the router`, async () => {
      const path = route.segments.map((segment) => (segment.startsWith(":") ? user : segment)).join("/")
      // The state or the second may change between two requests: ask again until both ways saw the same one.
      const pair = await eventually(async () => {
        const before = dashboard.fastReadsServed()
        const fast = await answer(`${dashboard.url}${path}`)
        const router = await answer(`${dashboard.url}${path}?via=router`)
        const again = await answer(`${dashboard.url}${path}`)
        expect(dashboard.fastReadsServed()).toBe(before + 2)
        return fast.body === again.body ? { fast, router } : undefined
      }, 20_000, "a steady state")
      expect(pair.fast.status).toBe(200)
      expect(pair.router).toEqual(pair.fast)
    })
  }

  it("what the fast path does not answer reaches the router: an unknown user, HEAD, escapes", async () => {
    const before = dashboard.fastReadsServed()
    expect((await fetch(`${dashboard.url}/api/users/no_such_user`)).status).toBe(404)
    expect((await fetch(`${dashboard.url}/api/users`, { method: "HEAD" })).status).toBe(200)
    expect((await fetch(`${dashboard.url}/api/users/${user.replace("_", "%5F")}`)).status).toBe(200)
    expect((await fetch(`${dashboard.url}/api/users/${user}/status`)).status).toBe(200)
    expect(dashboard.fastReadsServed()).toBe(before)
  })
})
