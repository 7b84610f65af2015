import * as Command from "@effect/cli/Command"
import { ConfigProvider, Effect } from "effect"
import { Db } from "../layers/Db.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { DbSettings } from "../settings/DbSettings.js"

/**
 * The environment with DB_MIGRATE forced on: running the migrations is this program's whole job, so a
 * DB_MIGRATE=false meant for the servers beside it (compose sets it for them) must not turn it into a no-op.
 */
const migrateForced = ConfigProvider.fromMap(new Map([["DB_MIGRATE", "true"]])).pipe(
  ConfigProvider.orElse(() => ConfigProvider.fromEnv())
)

// The one-shot migration job (compose's `migrate`): builds the database layer, which runs every migration not
// yet applied (Db.layerConfig(DbSettings), retrying while the database is not up), logs, and exits 0.
const migrate = Command.make("migrate", PROGRAMS.migrate.flags, () =>
  Effect.gen(function*() {
    yield* Db
    yield* Effect.logInfo("migrations up to date")
  }).pipe(
    Effect.provide(Db.layerConfig(DbSettings)),
    Effect.withConfigProvider(migrateForced)
  ))

runProgram(PROGRAMS.migrate, migrate)
