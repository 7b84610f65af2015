import { Options } from "@effect/cli"
import { Config, ConfigError, Duration, Either, ParseResult, Schema } from "effect"

/**
 * A program setting: a command-line flag that falls back to an environment variable, then to a documented
 * default. One Schema decodes all three, so `--port x` and `SERVER_PORT=x` fail alike, with the name at fault.
 */
export interface SettingSpec<A> {
  readonly flag: string
  readonly env: string
  readonly schema: Schema.Schema<A, string>
  readonly default?: string
  readonly description: string
}

/** The setting as an environment variable only (what `stack` and the layers read). */
export const config = <A>(spec: Omit<SettingSpec<A>, "flag" | "description">): Config.Config<A> => {
  const raw = spec.default === undefined ? Config.string(spec.env) : Config.string(spec.env).pipe(Config.withDefault(spec.default))
  return Config.mapOrFail(raw, (text) =>
    Schema.decodeEither(spec.schema)(text).pipe(
      Either.mapLeft((error) => ConfigError.InvalidData([spec.env], `${JSON.stringify(text)} is not valid: ${message(error)}`))
    ))
}

/** The setting as a flag with its environment fallback; `--help` shows both names and the default. */
export const option = <A>(spec: SettingSpec<A>): Options.Options<A> =>
  Options.text(spec.flag).pipe(
    Options.withSchema(spec.schema),
    Options.withFallbackConfig(config(spec)),
    Options.withDescription(
      `${spec.description} [env ${spec.env}${spec.default === undefined ? "" : `, default ${spec.default || '""'}`}]`
    )
  )

const message = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.message).join("; ")

// The value schemas settings are made of.
export const Port = Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 65535), Schema.annotations({ message: () => "expected a port number from 0 to 65535" }))
export const PositiveInt = Schema.NumberFromString.pipe(Schema.int(), Schema.positive(), Schema.annotations({ message: () => "expected a whole number above 0" }))
export const NonNegativeInt = Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative(), Schema.annotations({ message: () => "expected a whole number, 0 or more" }))
export const Text = Schema.String
export const NonEmptyText = Schema.String.pipe(Schema.minLength(1), Schema.annotations({ message: () => "expected a non-empty value" }))
export const Flag = Schema.transformOrFail(Schema.String, Schema.Boolean, {
  strict: true,
  decode: (text, _, ast) =>
    /^(true|1|yes|on)$/i.test(text)
      ? ParseResult.succeed(true)
      : /^(false|0|no|off)$/i.test(text)
      ? ParseResult.succeed(false)
      : ParseResult.fail(new ParseResult.Type(ast, text, "expected true or false")),
  encode: (bool) => ParseResult.succeed(bool ? "true" : "false")
})

/** A duration in seconds, fractions allowed (`30`, `0.5`). */
export const Seconds = Schema.transform(
  Schema.NumberFromString.pipe(Schema.positive(), Schema.annotations({ message: () => "expected a number of seconds above 0" })),
  Schema.DurationFromSelf,
  { strict: true, decode: (seconds) => Duration.millis(Math.round(seconds * 1000)), encode: (d) => Duration.toSeconds(d) }
)
