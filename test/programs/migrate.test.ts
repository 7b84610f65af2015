import * as SqlClient from "@effect/sql/SqlClient"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { programCommand, runCommand } from "../support/processes.js"

/** `migrate`, the compose job: runs the migrations and exits 0, whatever DB_MIGRATE says. */
const migrate = (env: Record<string, string>) =>
  runCommand(...programCommand("migrate"), { env })

const tablesOf = (file: string): Promise<ReadonlyArray<string>> =>
  Effect.runPromise(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
    return rows.map((row) => row.name)
  }).pipe(Effect.provide(SqliteClient.layer({ filename: file, readonly: true }))))

describe("migrate (embedded SQLite)", () => {
  it("creates the tables and exits 0 even with DB_MIGRATE=false (compose sets it for the servers)", async () => {
    const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-migrate-")), "db.sqlite")
    const run = await migrate({ DB_FILE: file, DB_MIGRATE: "false" })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain("migrations up to date")
    expect(await tablesOf(file)).toEqual(expect.arrayContaining(["effect_sql_migrations", "scores"]))
    // Once more: nothing left to do, still 0.
    expect((await migrate({ DB_FILE: file })).code).toBe(0)
  })

  it("stops with one line naming a bad setting", async () => {
    const run = await migrate({ DB_HOST: "127.0.0.1", DB_PORT: "99999" })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('DB_PORT: expected a port number from 0 to 65535, got "99999"')
  })
})

describeMariaDb("migrate (MariaDB)", () => {
  const database = useTestDatabase()
  it("migrates a MySQL-protocol database once and again, exiting 0 each time", async () => {
    for (let run = 0; run < 2; run++) {
      const result = await migrate({ ...database.env(), DB_MIGRATE: "false" })
      expect(result.code, result.stderr).toBe(0)
    }
    const tables = await database.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()"
    )
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["effect_sql_migrations", "scores"]))
    const applied = await database.query<{ n: number }>("SELECT COUNT(*) AS n FROM effect_sql_migrations")
    expect(Number(applied[0]!.n)).toBeGreaterThan(0)
  })
})
