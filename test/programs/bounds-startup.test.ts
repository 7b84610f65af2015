import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { flagSpecs, type SettingSpec } from "../../src/cli/Setting.js"
import { edgesOf } from "../../src/schema/SettingValues.js"
import { PROGRAMS, type ProgramSettings } from "../../src/settings/Programs.js"
import { plainLines, usePrograms } from "./harness.js"

const programs = Object.values(PROGRAMS) as ReadonlyArray<ProgramSettings>
const settingsOf = (program: ProgramSettings): ReadonlyArray<SettingSpec<unknown>> => [
  ...flagSpecs(program.flags),
  ...program.environment.flatMap((group) => group.specs)
]

// Each program, run for real, stops at start-up on the first bounded setting it reads, with one line
// (every setting's edges are walked in-process by test/settings/bounds.test.ts).
describe.concurrent("each program refuses a value past a bound at start-up", () => {
  const start = usePrograms("afterAll")
  // What a program needs besides the setting under test, so that setting is what stops it.
  const base = { SERVER_USER: "bounds", DB_FILE: ":memory:", HTTP_PORT: "0", SERVER_PORT: "0" }

  // A refused value other than "": an optional setting set to "" is unset (src/cli/Setting.ts), not refused.
  const refusedText = (spec: SettingSpec<unknown>) => Option.getOrUndefined(edgesOf(spec.schema))?.refused.find((text) => text !== "")
  it.each(programs.map((program) => {
    const spec = settingsOf(program).find((spec) => refusedText(spec) !== undefined)!
    return [program.name, spec] as const
  }))("%s", async (name, spec) => {
    const text = refusedText(spec)!
    const program = start(name, { ...base, [spec.env]: text })
    expect(await program.exited).toBe(1)
    const lines = plainLines(program.stdout() + program.stderr())
    expect(lines, program.stdout() + program.stderr()).toHaveLength(1)
    expect(lines[0]).toContain(spec.env)
  })
})
