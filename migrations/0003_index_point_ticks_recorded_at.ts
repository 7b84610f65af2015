import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// Pruning deletes by recorded_at (HISTORY_RETENTION) and the dashboard lists the newest rows first: both
// want this index. On MySQL/MariaDB the table was created with it (0002), so there is nothing to do.
export default Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.onDialectOrElse({
    sqlite: () => sql`CREATE INDEX IF NOT EXISTS point_ticks_recorded_at ON point_ticks (recorded_at)`,
    orElse: () => Effect.void
  }))
