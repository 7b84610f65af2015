import * as FileSystem from "@effect/platform/FileSystem"
import { Data, Effect, ParseResult, Schema } from "effect"
import * as Path from "node:path"
import seed000 from "../../rosters/seed000.json" with { type: "json" }
import seed001 from "../../rosters/seed001.json" with { type: "json" }
import seed002 from "../../rosters/seed002.json" with { type: "json" }
import { describeParseError } from "../schema/ParseIssues.js"
import { Roster, RosterFromJson } from "../schema/Roster.js"

/**
 * The layouts shipped in the repo (`rosters/<name>.json`), imported rather than read, so a bundled program
 * (`dist/stack.mjs`, the image) carries them wherever it runs.
 */
export const SHIPPED_ROSTERS: Readonly<Record<string, unknown>> = { seed000, seed001, seed002 }

export class RosterError extends Data.TaggedError("RosterError")<{ readonly source: string; readonly detail: string }> {
  override get message() {
    return `ROSTER ${this.source}: ${this.detail}`
  }
}

/** `ROSTER` is a shipped layout's name (`seed000`, `seed001`, `seed002`) or the path of a JSON file. */
export const loadRoster = (nameOrPath: string) =>
  Effect.gen(function*() {
    const invalid = (error: ParseResult.ParseError) => new RosterError({ source: nameOrPath, detail: describeParseError(error) })
    if (!/[/\\]|\.json$/.test(nameOrPath)) {
      const shipped = SHIPPED_ROSTERS[nameOrPath]
      if (shipped === undefined) {
        return yield* new RosterError({
          source: nameOrPath,
          detail: `no such roster (shipped: ${Object.keys(SHIPPED_ROSTERS).join(", ")}; or give a path to a .json file)`
        })
      }
      return yield* Effect.mapError(Schema.decodeUnknown(Roster)(shipped), invalid)
    }
    const fs = yield* FileSystem.FileSystem
    const file = Path.resolve(nameOrPath)
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError(() => new RosterError({ source: nameOrPath, detail: `cannot read ${file}` }))
    )
    return yield* Effect.mapError(Schema.decode(RosterFromJson)(text), invalid)
  })
