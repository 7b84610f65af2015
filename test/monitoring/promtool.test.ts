import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { PROMETHEUS, prometheusAvailable } from "../support/prometheus.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")

/** promtool's exit code and what it printed. */
const promtool = (...args: Array<string>) => {
  const run = ChildProcess.spawnSync(PROMETHEUS.promtool, args, { cwd: ROOT, encoding: "utf8" })
  return { code: run.status, output: `${run.stdout}${run.stderr}` }
}

describe.skipIf(!prometheusAvailable)("the alert rules, as promtool sees them", () => {
  it("check rules: the four alerts, clean", () => {
    const run = promtool("check", "rules", "monitoring/rules.yml")
    expect(run.output).toContain("SUCCESS: 4 rules found")
    expect(run.code).toBe(0)
  })

  it("test rules: each alert fires where it should and stays quiet where it should", () => {
    const run = promtool("test", "rules", "test/monitoring/rules.test.yml")
    expect(run.output).toContain("SUCCESS")
    expect(run.code).toBe(0)
  })
})
