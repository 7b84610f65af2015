import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// The seeds' table, with seed 002's primary key so each server owns exactly one row. Valid on MySQL 8,
// MariaDB 10.11 and SQLite alike; IF NOT EXISTS adopts a table a seed's init.sql already made.
export default Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`CREATE TABLE IF NOT EXISTS scores (
    user VARCHAR(50) PRIMARY KEY,
    points INT NOT NULL DEFAULT 0,
    datetime_stamp DATETIME NOT NULL
  )`)
