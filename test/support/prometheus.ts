import * as Fs from "node:fs"

/**
 * Debian's `prometheus` package: the server and promtool (.ci/run installs it). In CI (`CI=true`) a missing
 * binary fails the run; on a developer's machine the monitoring tests that need it are skipped with a message.
 */
export const PROMETHEUS = { server: "/usr/bin/prometheus", promtool: "/usr/bin/promtool" } as const

const missing = Object.values(PROMETHEUS).filter((file) => !Fs.existsSync(file))
if (missing.length > 0) {
  const why = `${missing.join(" and ")} not found (Debian: apt-get install prometheus)`
  if (process.env.CI === "true") throw new Error(`CI=true but ${why}`)
  console.warn(`skipping the Prometheus tests: ${why}; in CI this is a failure.`)
}

export const prometheusAvailable = missing.length === 0
