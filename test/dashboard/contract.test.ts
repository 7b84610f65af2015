import * as HttpApi from "@effect/platform/HttpApi"
import { Option, Schema, type SchemaAST } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DashboardApi } from "../../src/schema/DashboardApi.js"
import { type InProcessServer, startPointsServer, uniqueUser, useEmbeddedDb } from "../programs/harness.js"
import { eventually, type RunningDashboard, startDashboard } from "./support.js"

/**
 * The contract: every endpoint of the declared DashboardApi is called, and each answer's body decodes with the
 * schema the API declares for that endpoint and status (its success, or one of its errors, or the API's own
 * 400). A handler that sends a body off its schema, or a status the API does not declare, fails here.
 */
interface Declared {
  readonly method: string
  readonly path: string
  readonly responses: ReadonlyMap<number, SchemaAST.AST | undefined>
}

const declared = new Map<string, Declared>()
HttpApi.reflect(DashboardApi, {
  onGroup: () => {},
  onEndpoint: ({ endpoint, errors, group, successes }) => {
    const responses = new Map<number, SchemaAST.AST | undefined>()
    for (const [status, { ast }] of [...successes, ...errors]) responses.set(status, Option.getOrUndefined(ast))
    declared.set(`${group.identifier}.${endpoint.name}`, { method: endpoint.method, path: endpoint.path, responses })
  }
})

/** The body decoded with the endpoint's declared schema for the status it answered (throws when off-schema). */
const decodeDeclared = (endpoint: string, status: number, body: unknown) => {
  const spec = declared.get(endpoint)
  if (spec === undefined) throw new Error(`${endpoint} is not declared by DashboardApi`)
  if (!spec.responses.has(status)) throw new Error(`${endpoint} answered ${status}, which it does not declare (${[...spec.responses.keys()].join(", ")})`)
  const ast = spec.responses.get(status)
  if (ast === undefined) return expect(body).toBe("")
  return Schema.decodeUnknownSync(Schema.make(ast), { onExcessProperty: "error" })(body)
}

const TOKEN = "contract-token"

interface Call {
  readonly endpoint: string
  readonly path: string
  readonly method?: string
  readonly token?: string
  /** The dashboard with no ADMIN_TOKEN configured. */
  readonly closed?: boolean
  readonly status: number
}

describe("dashboard REST contract: every endpoint's answers decode with the schemas DashboardApi declares", () => {
  const db = useEmbeddedDb()
  const user = uniqueUser("contract")
  let server: InProcessServer
  let dashboard: RunningDashboard
  let closed: RunningDashboard

  beforeAll(async () => {
    server = await startPointsServer({ db: db.layer(), user, intervalSeconds: 0.3 })
    const roster = [{ user, transport: "tcp" as const, port: server.port, dialect: "REQUEST_LATEST_POINTS" as const }]
    dashboard = await startDashboard({ db: db.layer(), roster, adminToken: TOKEN })
    closed = await startDashboard({ db: db.layer(), roster })
    // Data in every list: a recorded increment and a probed server.
    await eventually(async () => {
      const body = (await (await fetch(`${dashboard.url}/api/snapshot`)).json()) as any
      return body.data.history.length > 0 && body.data.servers[0].status === "up" ? true : undefined
    }, 20_000, "a recorded increment and a probe")
  })
  afterAll(async () => {
    await dashboard?.stop()
    await closed?.stop()
    await server?.stop()
  })

  const calls: ReadonlyArray<Call> = [
    { endpoint: "scores.listUsers", path: "/api/users", status: 200 },
    { endpoint: "scores.getUser", path: `/api/users/${user}`, status: 200 },
    { endpoint: "scores.getUser", path: "/api/users/no_such_user", status: 404 },
    { endpoint: "scores.listServers", path: "/api/servers", status: 200 },
    { endpoint: "scores.stats", path: "/api/stats", status: 200 },
    { endpoint: "scores.history", path: "/api/history", status: 200 },
    { endpoint: "scores.history", path: `/api/history?user=${user}&limit=1`, status: 200 },
    { endpoint: "scores.history", path: "/api/history?limit=0", status: 400 },
    { endpoint: "scores.snapshot", path: "/api/snapshot", status: 200 },
    { endpoint: "control.userStatus", path: `/api/users/${user}/status`, status: 200 },
    { endpoint: "control.userStatus", path: "/api/users/no_such_user/status", status: 404 },
    { endpoint: "control.toggleUser", path: `/api/users/${user}/toggle`, method: "POST", token: TOKEN, status: 200 },
    { endpoint: "control.toggleUser", path: `/api/users/${user}/toggle`, method: "POST", token: TOKEN, status: 200 },
    { endpoint: "control.toggleUser", path: `/api/users/${user}/toggle`, method: "POST", status: 401 },
    { endpoint: "control.toggleUser", path: `/api/users/${user}/toggle`, method: "POST", token: "wrong", status: 401 },
    { endpoint: "control.toggleUser", path: `/api/users/${user}/toggle`, method: "POST", token: TOKEN, closed: true, status: 403 },
    { endpoint: "control.toggleUser", path: "/api/users/no_such_user/toggle", method: "POST", token: TOKEN, status: 404 },
    { endpoint: "control.resetUser", path: `/api/users/${user}/reset`, method: "POST", token: TOKEN, status: 200 },
    { endpoint: "control.resetUser", path: `/api/users/${user}/reset`, method: "POST", status: 401 },
    { endpoint: "control.resetUser", path: `/api/users/${user}/reset`, method: "POST", token: TOKEN, closed: true, status: 403 },
    { endpoint: "control.resetUser", path: "/api/users/no_such_user/reset", method: "POST", token: TOKEN, status: 404 }
  ]

  it("every declared endpoint is called here (a new endpoint needs its contract calls)", () => {
    expect([...new Set(calls.map((call) => call.endpoint))].sort()).toEqual([...declared.keys()].sort())
    for (const call of calls) expect(call.method ?? "GET").toBe(declared.get(call.endpoint)!.method)
  })

  for (const call of calls) {
    it(`${call.method ?? "GET"} ${call.path.replace(user, "{user}")}${call.token === undefined ? "" : call.token === TOKEN ? " (token)" : " (wrong token)"}${call.closed ? " (no ADMIN_TOKEN)" : ""} → ${call.status}, body as declared`, async () => {
      const base = call.closed ? closed.url : dashboard.url
      const response = await fetch(`${base}${call.path}`, {
        method: call.method ?? "GET",
        headers: call.token === undefined ? {} : { authorization: `Bearer ${call.token}` }
      })
      expect(response.status).toBe(call.status)
      expect(response.headers.get("content-type")).toMatch(/^application\/json/)
      const text = await response.text()
      expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(text))
      expect(() => decodeDeclared(call.endpoint, response.status, JSON.parse(text))).not.toThrow()
    })
  }

  it("the OpenAPI document lists every declared endpoint, and /docs answers", async () => {
    const openApi = (await (await fetch(`${dashboard.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(openApi.openapi).toBe("3.1.0")
    for (const spec of declared.values()) {
      const path = spec.path.replace(/:(\w+)/g, "{$1}")
      expect(openApi.paths[path]?.[spec.method.toLowerCase()], `${spec.method} ${path}`).toBeDefined()
    }
    const docs = await fetch(`${dashboard.url}/docs`)
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain("swagger")
  })

  it("decodeDeclared refuses a body off its schema (the check can fail)", () => {
    expect(() => decodeDeclared("scores.stats", 200, { success: true, data: { total_points: "1" }, timestamp: "2026-01-01 00:00:00" })).toThrow()
    expect(() => decodeDeclared("scores.getUser", 404, { error: "no user" })).toThrow()
    expect(() => decodeDeclared("scores.listUsers", 500, {})).toThrow(/does not declare/)
  })
})
