import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// Operator control of a user's updates (the dashboard's pause/resume). State in the database, not in a
// process, so every replica obeys it. BOOLEAN is TINYINT(1) on MySQL/MariaDB and an integer on SQLite;
// rows hold 0 or 1. A user with no row here is active.
export default Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`CREATE TABLE IF NOT EXISTS user_control (
    user VARCHAR(50) PRIMARY KEY,
    paused BOOLEAN NOT NULL,
    updated_at DATETIME NOT NULL
  )`)
