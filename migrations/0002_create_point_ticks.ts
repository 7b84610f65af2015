import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// The ledger of ticks, and the history of increments: one row per (user, interval slot) that added points.
// The primary key is what makes a tick exactly-once across replicas: a second claim of the same slot is
// ignored by the database. MySQL/MariaDB get the pruning index inline (MySQL 8 has no CREATE INDEX IF NOT
// EXISTS); SQLite gets it from the next migration.
export default Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`CREATE TABLE IF NOT EXISTS point_ticks (
    user VARCHAR(50) NOT NULL,
    slot BIGINT NOT NULL,
    points INT NOT NULL,
    recorded_at DATETIME NOT NULL,
    PRIMARY KEY (user, slot)${
    sql.onDialectOrElse({
      sqlite: () => sql.literal(""),
      orElse: () => sql.literal(",\n    INDEX point_ticks_recorded_at (recorded_at)")
    })
  }
  )`)
