import { Config, Either, Option, Redacted } from "effect"
import type { DbConfig, DbTarget } from "../layers/db/DbShape.js"
import { TimeZoneFromString } from "../schema/Timestamp.js"
import { readSecretFile } from "./SecretFile.js"
import { config, optionalConfig } from "../cli/Setting.js"
import { Flag, NonEmptyText, Port, PositiveInt, Seconds, Text } from "../schema/SettingValues.js"

/** The database settings, one row each; `DbSettings` and `--help` both read them from here. */
const specs = {
  host: { env: "DB_HOST", schema: NonEmptyText, note: "unset: the embedded SQLite file DB_FILE" },
  port: { env: "DB_PORT", schema: Port, default: "3306" },
  user: { env: "DB_USER", schema: NonEmptyText, default: "root" },
  password: { env: "DB_PASS", schema: Text, default: "" },
  passwordFile: { env: "DB_PASS_FILE", schema: NonEmptyText, note: "a file holding the password; wins over DB_PASS" },
  database: { env: "DB_NAME", schema: NonEmptyText, default: "scoreline" },
  poolSize: { env: "DB_POOL_SIZE", schema: PositiveInt, default: "10" },
  file: { env: "DB_FILE", schema: NonEmptyText, default: "data/scoreline.db" },
  migrate: { env: "DB_MIGRATE", schema: Flag, default: "true" },
  connectTimeout: { env: "DB_CONNECT_TIMEOUT", schema: Seconds, default: "30" },
  timeZone: { env: "TIME_ZONE", schema: TimeZoneFromString, default: "UTC" }
} as const

/** `DB_PASS_FILE` (a Docker secret) wins over `DB_PASS`; the file's trailing newline is not part of it. */
const password = Config.all({
  file: optionalConfig(specs.passwordFile),
  text: config(specs.password)
}).pipe(Config.mapOrFail(({ file, text }) =>
  Option.match(file, {
    onNone: () => Either.right(Redacted.make(text)),
    onSome: (path) => readSecretFile("DB_PASS_FILE", path)
  })
))

export const DbSettings: Config.Config<DbConfig> = Config.all({
  host: optionalConfig(specs.host),
  port: config(specs.port),
  user: config(specs.user),
  password,
  database: config(specs.database),
  poolSize: config(specs.poolSize),
  file: config(specs.file),
  migrate: config(specs.migrate),
  connectTimeout: config(specs.connectTimeout),
  timeZone: config(specs.timeZone)
}).pipe(Config.map((s) => ({
  target: Option.match(s.host, {
    onNone: (): DbTarget => ({ _tag: "Embedded", file: s.file }),
    onSome: (host): DbTarget => ({
      _tag: "Mysql",
      host,
      port: s.port,
      user: s.user,
      password: s.password,
      database: s.database,
      poolSize: s.poolSize
    })
  }),
  migrate: s.migrate,
  connectTimeout: s.connectTimeout,
  timeZone: s.timeZone
})))

/** What `--help` says about the database, for the programs that own it. */
export const DB_SETTINGS_HELP = `Database settings (environment only): ${
  Object.values(specs)
    .map((spec) => `${spec.env} (${"default" in spec ? `default ${spec.default || '""'}` : spec.note})`)
    .join(", ")
}. Logging: LOG_LEVEL (default info), LOG_FORMAT (pretty, logfmt or json; default pretty when stderr is a terminal, else logfmt).`
