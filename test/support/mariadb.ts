import { DateTime, Redacted } from "effect"
import * as Mysql from "mysql2/promise"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe } from "vitest"
import { Db } from "../../src/layers/Db.js"
import type { DbTarget } from "../../src/layers/Db.js"
import { UTC } from "../../src/schema/Timestamp.js"

/**
 * The real MariaDB the behaviour tests run against (127.0.0.1:3306, root, empty password). Every test file
 * gets a database of its own, created before its tests and dropped after, so runs in parallel never collide.
 *
 * Availability: in CI (`CI=true`) a missing MariaDB fails the run, because those tests are part of what CI
 * proves; on a laptop without MariaDB they are skipped with a warning that says why.
 */
export const MARIADB = {
  // Overridable for a MariaDB elsewhere (and to check the skip/fail rule below); CI uses the defaults.
  host: process.env.MARIADB_TEST_HOST ?? "127.0.0.1",
  port: Number(process.env.MARIADB_TEST_PORT ?? 3306),
  user: "root",
  password: ""
} as const

const probe = async (): Promise<string | undefined> => {
  try {
    const connection = await Mysql.createConnection({ ...MARIADB, connectTimeout: 3_000 })
    try {
      await connection.query("SELECT 1")
    } finally {
      await connection.end()
    }
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message || String((error as { code?: string }).code) : String(error)
  }
}

const unavailable = await probe()
if (unavailable !== undefined) {
  const where = `MariaDB at ${MARIADB.host}:${MARIADB.port} (user ${MARIADB.user})`
  if (process.env.CI === "true") {
    throw new Error(`CI=true but ${where} is not reachable: ${unavailable}. Start MariaDB before running the tests.`)
  }
  console.warn(`skipping the MariaDB tests: ${where} is not reachable (${unavailable}); in CI this is a failure.`)
}

/** Whether the MariaDB tests run in this process. */
export const mariadbAvailable = unavailable === undefined

/** `describe`, skipped (with the warning above) when MariaDB is not there outside CI. */
export const describeMariaDb = describe.skipIf(!mariadbAvailable)

const admin = () => Mysql.createConnection({ ...MARIADB, connectTimeout: 3_000 })

/** A fresh, uniquely named, empty database; the name says which process made it, to find leftovers. */
export const createDatabase = async (): Promise<string> => {
  const name = `scoreline_test_${process.pid}_${randomBytes(4).toString("hex")}`
  const connection = await admin()
  try {
    await connection.query(`CREATE DATABASE \`${name}\``)
  } finally {
    await connection.end()
  }
  return name
}

export const dropDatabase = async (name: string): Promise<void> => {
  const connection = await admin()
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``)
  } finally {
    await connection.end()
  }
}

export const mysqlTarget = (database: string): Extract<DbTarget, { _tag: "Mysql" }> => ({
  _tag: "Mysql",
  host: MARIADB.host,
  port: MARIADB.port,
  user: MARIADB.user,
  password: Redacted.make(MARIADB.password),
  database,
  poolSize: 4
})

export interface TestDatabase {
  /** The database's name (valid once the `beforeAll` has run). */
  readonly name: string
  /** A migrated `Db` over this database, in UTC unless another zone is given. */
  layer(timeZone?: DateTime.TimeZone): ReturnType<typeof Db.layer>
  /** The environment that points a spawned program (`server`, `client`…) at this database. */
  env(): Record<string, string>
  /** A statement run directly with mysql2 (DATETIMEs as text), for reading back what the database really holds. */
  query<Row = Record<string, unknown>>(sql: string, params?: ReadonlyArray<unknown>): Promise<Array<Row>>
  /** A user's row as the database holds it, the stamp as the DATETIME's text. */
  readRow(user: string): Promise<{ points: number; stamp: string } | undefined>
}

/**
 * Registers `beforeAll`/`afterAll` hooks that create and drop a database of this file's own. Call it inside a
 * `describeMariaDb` block so that nothing runs when MariaDB is skipped.
 */
export const useTestDatabase = (): TestDatabase => {
  let name: string | undefined
  let pool: Mysql.Pool | undefined
  const current = () => {
    if (name === undefined) throw new Error("the test database is made in beforeAll; use it inside a test")
    return name
  }
  beforeAll(async () => {
    name = await createDatabase()
    pool = Mysql.createPool({ ...MARIADB, database: name, connectionLimit: 2, dateStrings: true })
  })
  afterAll(async () => {
    await pool?.end()
    if (name !== undefined) await dropDatabase(name)
  })
  const query = async <Row>(sql: string, params: ReadonlyArray<unknown> = []) => {
    if (pool === undefined) throw new Error("the test database is made in beforeAll; use it inside a test")
    const [rows] = await pool.query(sql, params as Array<unknown>)
    return rows as Array<Row>
  }
  return {
    get name() {
      return current()
    },
    layer: (timeZone = UTC) => Db.layer({ target: mysqlTarget(current()), migrate: true, timeZone }),
    env: () => ({
      DB_HOST: MARIADB.host,
      DB_PORT: String(MARIADB.port),
      DB_USER: MARIADB.user,
      DB_PASS: MARIADB.password,
      DB_NAME: current(),
      DB_POOL_SIZE: "2"
    }),
    query,
    readRow: async (user) => {
      const rows = await query<{ points: number; stamp: string }>(
        "SELECT points, CAST(datetime_stamp AS CHAR) AS stamp FROM scores WHERE user = ?",
        [user]
      )
      return rows[0]
    }
  }
}
