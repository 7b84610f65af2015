// Redis as the yardstick: what a user would run instead to serve a counter. The machine's redis-server on a
// free port of the bench's own, no persistence; asked `INCRBY k 0` (persistent: one command a round trip on
// a kept connection; one-shot: `INCRBY k 0` then `QUIT`, one connection each) through the same C load
// generator and the same concurrency as scoreline's points protocol rows.
import { execFileSync } from "node:child_process"
import type { Mode } from "./loadgen.js"
import { freePort, type Proc, start } from "./procs.js"
import { row, type RowResult, type Target, type Timing } from "./scenarios.js"

export const REDIS_ROWS: ReadonlyArray<[Mode, number]> = [["oneshot", 128], ["persistent", 128]]

const hasRedis = () => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

export const startRedis = async (): Promise<{ proc: Proc; target: Target } | { skipped: string }> => {
  if (!hasRedis()) return { skipped: "redis-server is not installed (Debian package redis-server)" }
  const port = await freePort()
  const proc = start("redis", "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxclients", "1024"])
  await proc.waitFor(/Ready to accept connections/)
  const target: Target = {
    pid: proc.child.pid!,
    port,
    request: { oneshot: "INCRBY k 0\r\nQUIT\r\n", persistent: "INCRBY k 0\r\n", expect: ":" }
  }
  return { proc, target }
}

/** Scoreline's points server against Redis, alternating rounds, one row per mode. */
export const redisRows = async (scoreline: Target, redis: Target, timing: Timing, log: (text: string) => void) => {
  const rows: Array<RowResult> = []
  for (const [mode, concurrency] of REDIS_ROWS) {
    log(`redis ${mode} c=${concurrency}`)
    rows.push(await row(scoreline, redis, mode, concurrency, timing))
  }
  return rows
}
