import { ConfigProvider, Effect, Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import { checkFlags, config, declaredVariables, describeConfigError, flagSpecs, type SettingSpec } from "../../src/cli/Setting.js"
import { edgesOf } from "../../src/schema/SettingValues.js"
import { PROGRAMS, type ProgramSettings } from "../../src/settings/Programs.js"
import "../support/cleanEnv.js" // loads every settings module, so every declared variable is known

/**
 * Every setting of every program, at the edges its value schema declares (`withEdges` in
 * src/schema/SettingValues.ts): the first value past the bound is refused with one line naming the setting,
 * the values inside it are accepted. Walked from the programs' own definitions, so a new setting is covered
 * here as soon as a program reads it, and a setting whose schema declares no edges fails. Each program run for
 * real with a value past a bound: test/programs/bounds-startup.test.ts.
 */

const programs = Object.values(PROGRAMS) as ReadonlyArray<ProgramSettings>
const settingsOf = (program: ProgramSettings): ReadonlyArray<SettingSpec<unknown>> => [
  ...flagSpecs(program.flags),
  ...program.environment.flatMap((group) => group.specs)
]
const everySetting = [...new Set(programs.flatMap(settingsOf))]

/** The setting read from the environment alone, as `stack` and the layers read it. */
const fromEnvironment = (spec: SettingSpec<unknown>, text: string) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(config(spec), ConfigProvider.fromMap(new Map([[spec.env, text]])))))

const label = (spec: SettingSpec<unknown>) => (spec.flag === undefined ? spec.env : `${spec.env} (--${spec.flag})`)

describe("every setting's bounds", () => {
  it("covers every variable a program declares", () => {
    const walked = new Set(everySetting.map((spec) => spec.env))
    for (const name of declaredVariables()) expect(walked, `${name} is declared but no program in PROGRAMS reads it`).toContain(name)
  })

  describe.each(everySetting.map((spec) => [label(spec), spec] as const))("%s", (_, spec) => {
    const edges = Option.getOrUndefined(edgesOf(spec.schema))

    it("declares the edges of its value (withEdges)", () => {
      expect(edges, `${spec.env}: its schema declares no edges; give it accepted and refused values`).toBeDefined()
      expect(edges!.accepted.length).toBeGreaterThan(0)
    })

    it("accepts its default and the values inside its bound", () => {
      for (const text of [...(spec.default === undefined ? [] : [spec.default]), ...edges!.accepted]) {
        expect(Either.isRight(fromEnvironment(spec, text)), `${spec.env}=${JSON.stringify(text)}`).toBe(true)
        if (spec.flag !== undefined) {
          expect(Either.isRight(checkFlags([{ ...spec, flag: spec.flag }], [`--${spec.flag}`, text])), `--${spec.flag} ${text}`).toBe(true)
        }
      }
    })

    it("refuses the first value past its bound (and the other bad ones) with one line naming it", () => {
      for (const text of edges!.refused) {
        const read = fromEnvironment(spec, text)
        expect(Either.isLeft(read), `${spec.env}=${JSON.stringify(text)} was accepted`).toBe(true)
        const line = describeConfigError(Either.getLeft(read).pipe(Option.getOrThrow))
        expect(line.startsWith(`${spec.env}: `), line).toBe(true)
        expect(line).not.toContain("\n")
        if (spec.flag !== undefined) {
          const flagged = checkFlags([{ ...spec, flag: spec.flag }], [`--${spec.flag}`, text])
          expect(Either.isLeft(flagged), `--${spec.flag} ${JSON.stringify(text)} was accepted`).toBe(true)
          expect(Either.getLeft(flagged).pipe(Option.getOrThrow)).toMatch(new RegExp(`^--${spec.flag}: `))
        }
      }
    })
  })
})
