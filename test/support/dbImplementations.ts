import { DateTime, type Layer } from "effect"
import { describe } from "vitest"
import { Db } from "../../src/layers/Db.js"
import { type TestBackend, useEmbeddedDb } from "../programs/harness.js"
import { describeMariaDb, useTestDatabase } from "./mariadb.js"

/** A store that outlives one layer build, with direct SQL access to check what it really holds. */
export interface Persistent extends TestBackend {
  readonly dialect: "mysql" | "sqlite"
}

/**
 * Every Db implementation a contract test runs against: in memory (layer-swapped tests), embedded SQLite in
 * a temp file, and the real MariaDB. `use()` registers the file's hooks (a temp dir, a database of its own),
 * so call it inside the implementation's `describe`.
 */
export interface Implementation {
  readonly name: string
  readonly describe: (name: string, body: () => void) => void
  readonly use: () => { layer(timeZone?: DateTime.TimeZone): Layer.Layer<Db, unknown>; persistent?: Persistent }
}

export const implementations: ReadonlyArray<Implementation> = [
  { name: "memory", describe, use: () => ({ layer: (timeZone) => Db.layerMemory(timeZone) }) },
  {
    name: "embedded SQLite",
    describe,
    use: () => {
      const db = useEmbeddedDb()
      return { layer: (timeZone) => db.layer(timeZone), persistent: Object.assign(db, { dialect: "sqlite" as const }) }
    }
  },
  {
    name: "MariaDB",
    describe: describeMariaDb,
    use: () => {
      const db = useTestDatabase()
      return { layer: (timeZone) => db.layer(timeZone), persistent: Object.assign(db, { dialect: "mysql" as const }) }
    }
  }
]

/** 2026-01-12 14:30:00 UTC, seed 001's sample timestamp. */
export const T0 = Date.UTC(2026, 0, 12, 14, 30, 0)
export const zone = (name: string) => DateTime.zoneUnsafeMakeNamed(name)
