import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { generatedFiles, prometheusConfigFile, RULES_IN_CONTAINER, ROSTERS } from "../../scripts/monitoring.js"
import { ROOT } from "../../scripts/compose-layouts.js"
import { PROMETHEUS, prometheusAvailable } from "../support/prometheus.js"

describe("the generated monitoring files", () => {
  it.each(Object.keys(generatedFiles()))("%s is what npm run monitoring writes (no drift)", (file) => {
    expect(Fs.readFileSync(Path.join(ROOT, file), "utf8")).toBe(generatedFiles()[file])
  })

  it.skipIf(!prometheusAvailable).each(ROSTERS)("promtool check config: the %s layout's configuration, with the rules", (roster) => {
    // The configuration names the rules where the container mounts them; here they are read from the repo.
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-promtool-"))
    const config = Path.join(dir, "prometheus.yml")
    const text = Fs.readFileSync(Path.join(ROOT, prometheusConfigFile(roster)), "utf8")
    expect(text).toContain(RULES_IN_CONTAINER)
    Fs.writeFileSync(config, text.replace(RULES_IN_CONTAINER, Path.join(ROOT, "monitoring/rules.yml")))
    const run = ChildProcess.spawnSync(PROMETHEUS.promtool, ["check", "config", config], { encoding: "utf8" })
    Fs.rmSync(dir, { recursive: true, force: true })
    expect(`${run.stdout}${run.stderr}`).toContain("SUCCESS: 4 rules found")
    expect(run.status).toBe(0)
  })
})
