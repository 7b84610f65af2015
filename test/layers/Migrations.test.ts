import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Db } from "../../src/layers/Db.js"
import { UTC } from "../../src/schema/Timestamp.js"

const embedded = (file: string, migrate: boolean) => Db.layer({ target: { _tag: "Embedded", file }, migrate, timeZone: UTC })
const ensureAndRead = Effect.gen(function*() {
  const db = yield* Db
  yield* db.ensureUser("ikhwan")
  return yield* db.findUser("ikhwan")
})

describe("DB_MIGRATE", () => {
  it.effect("off, the table must already exist (a replica behind a migrate job); on, it is made", () =>
    Effect.gen(function*() {
      const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-migrate-")), "scoreline.db")
      const unmigrated = yield* Effect.either(Effect.provide(ensureAndRead, embedded(file, false)))
      expect(Either.isLeft(unmigrated) && unmigrated.left.message).toMatch(/no such table: scores/)
      const migrated = yield* Effect.provide(ensureAndRead, embedded(file, true))
      expect(Option.map(migrated, (row) => row.points)).toEqual(Option.some(0))
      // Once migrated, a server with DB_MIGRATE=false works on the same database.
      const replica = yield* Effect.provide(ensureAndRead, embedded(file, false))
      expect(Option.isSome(replica)).toBe(true)
    }))
})
