// The REST rows: the dashboard's hot reads (GET /api/users, /api/users/{user}, /api/stats, /api/snapshot) at
// 16 and 64 connections (wrk), each against a bare node:http server that sends the same body with the same
// headers, in alternating rounds. A few idle points servers give the dashboard users to list.
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { BenchDatabase } from "./database.js"
import { hasWrk } from "./loadgen.js"
import { freePort, ROOT, sleep, start } from "./procs.js"
import { listeningPorts, row, type RowResult, serverEnv, startScoreline, type Timing } from "./scenarios.js"

export const REST_USERS = 5
export const REST_CONCURRENCY = [16, 64] as const
export const restPaths = (user: string) => ["/api/users", `/api/users/${user}`, "/api/stats", "/api/snapshot"]

export const restRows = async (
  database: BenchDatabase,
  timing: Timing,
  log: (text: string) => void
): Promise<ReadonlyArray<RowResult> | { skipped: string }> => {
  if (!Fs.existsSync(Path.join(ROOT, "dist/dashboard.mjs"))) return { skipped: "no dist/dashboard.mjs (the dashboard program is not built)" }
  if (!hasWrk()) return { skipped: "wrk is not installed (`apt-get install wrk`)" }
  const { env, statements } = await database.connect()
  // Points servers that only hold their users' rows (an hour between points), for the dashboard to read.
  const users = Array.from({ length: REST_USERS }, (_, i) => `bench_rest_${i}`)
  const servers = users.map((user) => startScoreline(`server ${user}`, "server", { ...serverEnv(user, "tcp", env), UPDATE_INTERVAL: "3600" }))
  const port = await freePort()
  const dashboard = startScoreline("dashboard", "dashboard", { ...env, HTTP_HOST: "127.0.0.1", HTTP_PORT: String(port), LOG_LEVEL: "warning" })
  try {
    for (const server of servers) await listeningPorts(server)
    const rows: Array<RowResult> = []
    for (const path of restPaths(users[0]!)) {
      let body: string | undefined
      for (let i = 0; i < 150 && body === undefined; i++) {
        body = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => (r.ok ? r.text() : undefined), () => undefined)
        if (body !== undefined && path === "/api/users" && !body.includes(users.at(-1)!)) body = undefined
        if (body === undefined) await sleep(200)
      }
      if (body === undefined) return { skipped: `the dashboard did not answer GET ${path} within 30 s` }
      const bare = start("baseline http", process.execPath, ["bench/baseline.mjs", "unused", body])
      try {
        await bare.waitFor(/"http":\d+/)
        const barePort = (JSON.parse(bare.output().trim().split("\n")[0]!) as { http: number }).http
        for (const concurrency of REST_CONCURRENCY) {
          log(`rest GET ${path} c=${concurrency}`)
          rows.push(await row({ pid: dashboard.child.pid!, port, statements }, { pid: bare.child.pid!, port: barePort }, "http", concurrency, timing, path))
        }
      } finally {
        await bare.stop()
      }
    }
    return rows
  } finally {
    await dashboard.stop()
    for (const server of servers) await server.stop()
  }
}
