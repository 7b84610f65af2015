import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqliteMigrator from "@effect/sql-sqlite-node/SqliteMigrator"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { migrations } from "../../../migrations/index.js"
import { migratedFirst } from "./Migrated.js"

// The embedded store's driver, in a module of its own: Db imports it only when DB_HOST is unset, so a
// server on MySQL never loads better-sqlite3's native addon.

/** The SQLite file (its folder made first), migrated first when `migrate` is set. */
export const sqlLayer = (file: string, migrate: boolean) => {
  const client = Layer.unwrapEffect(Effect.sync(() => {
    if (file !== ":memory:") Fs.mkdirSync(Path.dirname(Path.resolve(file)), { recursive: true })
    return SqliteClient.layer({ filename: file })
  }))
  return migratedFirst(client, SqliteMigrator.layer({ loader: migrations }), migrate)
}
