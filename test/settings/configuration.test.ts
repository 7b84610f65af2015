import * as Fs from "node:fs"
import { describe, expect, it } from "vitest"
import { CONFIGURATION_FILE, configurationDoc } from "../../scripts/configuration-doc.js"
import { declaredVariables, flagSpecs } from "../../src/cli/Setting.js"
import { PROGRAMS, type ProgramSettings } from "../../src/settings/Programs.js"
import "../support/cleanEnv.js" // loads every settings module, so every declared variable is known

const programs = Object.values(PROGRAMS) as ReadonlyArray<ProgramSettings>

describe("docs/CONFIGURATION.md", () => {
  it("is what npm run docs:config generates from the settings' definitions", () => {
    expect(Fs.readFileSync(CONFIGURATION_FILE, "utf8"), "stale: run npm run docs:config").toBe(configurationDoc())
  })

  it("describes every setting of every program", () => {
    for (const program of programs) {
      for (const spec of [...flagSpecs(program.flags), ...program.environment.flatMap((group) => group.specs)]) {
        expect(spec.description.trim().length, `${program.name}: ${spec.env} has no description`).toBeGreaterThan(0)
      }
    }
  })

  it("names every variable a program can read", () => {
    const documented = Fs.readFileSync(CONFIGURATION_FILE, "utf8")
    for (const name of declaredVariables()) expect(documented, `${name} is read but not documented`).toContain(`\`${name}\``)
  })
})
