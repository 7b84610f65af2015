import * as MysqlClient from "@effect/sql-mysql2/MysqlClient"
import * as MysqlMigrator from "@effect/sql-mysql2/MysqlMigrator"
import { migrations } from "../../../migrations/index.js"
import type { DbTarget } from "./DbShape.js"
import { migratedFirst } from "./Migrated.js"

// MySQL's driver, in a module of its own: Db imports it only for a MySQL target, so a program on the
// embedded store never loads mysql2 (nor its character-set tables).

/** A mysql2 pool on the target, migrated first when `migrate` is set. */
export const sqlLayer = (target: Extract<DbTarget, { _tag: "Mysql" }>, migrate: boolean) => {
  const client = MysqlClient.layer({
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    maxConnections: target.poolSize,
    poolConfig: {
      // DATETIMEs come back as the text the server holds, never shifted by this process's TZ.
      dateStrings: true,
      // @effect/sql-mysql2 sets maxIdle to 0, and mysql2 then closes every idle connection within a second:
      // a server reading its row each second opened a new connection for nearly every read. mysql2's own
      // default instead: idle connections are kept, up to the pool's size, and closed after 60 s unused.
      maxIdle: target.poolSize
    }
  })
  return migratedFirst(client, MysqlMigrator.layer({ loader: migrations }), migrate)
}
