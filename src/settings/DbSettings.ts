import { Config, Either, Option, Redacted } from "effect"
import type { DbConfig, DbTarget } from "../layers/db/DbShape.js"
import { readSecretFile } from "./SecretFile.js"
import { config, optionalConfig } from "../cli/Setting.js"
import { Flag, NonEmptyText, Port, PositiveInt, Seconds, Text, TimeZone } from "../schema/SettingValues.js"

/** The database settings, one row each; `DbSettings`, `--help` and docs/CONFIGURATION.md all read them from here. */
export const dbSpecs = {
  host: { env: "DB_HOST", schema: NonEmptyText, description: "MySQL or MariaDB host; unset: the embedded SQLite file DB_FILE" },
  port: { env: "DB_PORT", schema: Port, default: "3306", description: "MySQL port" },
  user: { env: "DB_USER", schema: NonEmptyText, default: "root", description: "MySQL user" },
  password: { env: "DB_PASS", schema: Text, default: "", description: "MySQL password" },
  passwordFile: { env: "DB_PASS_FILE", schema: NonEmptyText, description: "a file holding the password (a Docker or Kubernetes secret); wins over DB_PASS" },
  database: { env: "DB_NAME", schema: NonEmptyText, default: "scoreline", description: "the MySQL database (it must exist; the tables are created for you)" },
  poolSize: { env: "DB_POOL_SIZE", schema: PositiveInt, default: "10", description: "MySQL connections at most; idle ones are kept for reuse and closed after 60 s unused" },
  file: { env: "DB_FILE", schema: NonEmptyText, default: "data/scoreline.db", description: "the embedded SQLite file when DB_HOST is unset (:memory: for a throwaway one)" },
  migrate: { env: "DB_MIGRATE", schema: Flag, default: "true", description: "run the migrations at start-up; off for replicas behind a separate migrate step" },
  connectTimeout: { env: "DB_CONNECT_TIMEOUT", schema: Seconds, default: "30", description: "seconds to keep retrying an unreachable MySQL at start-up (a wrong name or password fails at once)" },
  timeZone: { env: "TIME_ZONE", schema: TimeZone, default: "UTC", description: "the zone timestamps are written in (IANA name, UTC, or an offset such as +08:00)" }
} as const
const specs = dbSpecs

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

/** How `--help` names a database setting without a default. */
const NO_DEFAULT_HELP: Record<string, string> = { DB_HOST: "unset: the embedded SQLite file DB_FILE", DB_PASS_FILE: "a file holding the password; wins over DB_PASS" }

/** What `--help` says about the database, for the programs that own it. */
export const DB_SETTINGS_HELP = `Database settings (environment only): ${
  Object.values(specs)
    .map((spec) => `${spec.env} (${"default" in spec ? `default ${spec.default || '""'}` : NO_DEFAULT_HELP[spec.env]})`)
    .join(", ")
}. Logging: LOG_LEVEL (default info), LOG_FORMAT (pretty, logfmt or json; default pretty when stderr is a terminal, else logfmt).`
