import { FileSystem } from "@effect/platform"
import { Data, Effect, ParseResult, Schema } from "effect"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { RosterFromJson } from "../schema/Roster.js"

/** The layouts shipped in the repo: `rosters/<name>.json`. */
export const ROSTER_DIR = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../rosters")

export class RosterError extends Data.TaggedError("RosterError")<{ readonly source: string; readonly detail: string }> {
  override get message() {
    return `ROSTER ${this.source}: ${this.detail}`
  }
}

/** `ROSTER` is a shipped layout's name (`seed000`, `seed001`, `seed002`) or the path of a JSON file. */
export const loadRoster = (nameOrPath: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = /[/\\]|\.json$/.test(nameOrPath) ? Path.resolve(nameOrPath) : Path.join(ROSTER_DIR, `${nameOrPath}.json`)
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError(() => new RosterError({ source: nameOrPath, detail: `cannot read ${file}` }))
    )
    return yield* Schema.decode(RosterFromJson)(text).pipe(
      Effect.mapError((error) =>
        new RosterError({
          source: nameOrPath,
          detail: ParseResult.ArrayFormatter.formatErrorSync(error)
            .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
            .join("; ")
        })
      )
    )
  })
