import { ConfigError, Either, Redacted } from "effect"
import * as Fs from "node:fs"

/**
 * A secret read from the file a `*_FILE` setting names (a Compose or Kubernetes secret), without the file's
 * trailing newline; or, when it cannot be read, the error that names the setting: `DB_PASS_FILE: cannot read …`.
 */
export const readSecretFile = (setting: string, path: string): Either.Either<Redacted.Redacted<string>, ConfigError.ConfigError> =>
  Either.try({
    try: () => Redacted.make(Fs.readFileSync(path, "utf8").replace(/\r?\n$/, "")),
    catch: (cause) => ConfigError.InvalidData([setting], `cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`)
  })
