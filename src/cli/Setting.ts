import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Config, ConfigError, Duration, Effect, Either, Option, ParseResult, Schema } from "effect"

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
  // A required setting that is absent is reported as invalid, not missing, so the message names the variable.
  const raw = spec.default === undefined
    ? Config.option(Config.string(spec.env)).pipe(Config.mapOrFail(Option.match({
      onNone: () => Either.left(ConfigError.InvalidData([spec.env], "is required but not set")),
      onSome: Either.right
    })))
    : Config.string(spec.env).pipe(Config.withDefault(spec.default))
  return Config.mapOrFail(raw, (text) =>
    Schema.decodeEither(spec.schema)(text).pipe(
      Either.mapLeft((error) => ConfigError.InvalidData([spec.env], `${message(error)}, got ${JSON.stringify(text)}`))
    ))
}

/** A setting that may be absent (`DB_HOST`: unset means the embedded database). */
export const optionalConfig = <A>(spec: { readonly env: string; readonly schema: Schema.Schema<A, string> }) =>
  Config.option(Config.string(spec.env)).pipe(Config.mapOrFail(Option.match({
    onNone: () => Either.right(Option.none<A>()),
    onSome: (text) =>
      Schema.decodeEither(spec.schema)(text).pipe(
        Either.map(Option.some),
        Either.mapLeft((error) => ConfigError.InvalidData([spec.env], `${message(error)}, got ${JSON.stringify(text)}`))
      )
  })))

/**
 * The setting as a flag with its environment fallback; `--help` shows both names and the default. The
 * fallback is read here rather than with `Options.withFallbackConfig`, so that a bad value is reported in
 * one line of our own: `SERVER_PORT: expected a port number from 0 to 65535, got "99999"`.
 */
export const option = <A>(spec: SettingSpec<A>): Options.Options<A> =>
  Options.text(spec.flag).pipe(
    Options.optional,
    Options.mapEffect(Option.match({
      onSome: (text) =>
        Schema.decodeEither(spec.schema)(text).pipe(
          Either.mapLeft((error) => invalid(`--${spec.flag}: ${message(error)}, got ${JSON.stringify(text)}`))
        ),
      onNone: () => Effect.mapError(config(spec), (error) => invalid(describeConfigError(error)))
    })),
    Options.withDescription(
      `${spec.description} [env ${spec.env}${spec.default === undefined ? "; the flag or the variable is required" : `, default ${spec.default || '""'}`}]`
    )
  )

const invalid = (line: string) => ValidationError.invalidValue(HelpDoc.p(`error: ${line}`))

/** A configuration error as one line: `DB_PORT: expected a number, got "x"`. */
export const describeConfigError = (error: ConfigError.ConfigError): string =>
  ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, left, right) => `${left}; ${right}`,
    orCase: (_, left, right) => `${left}; ${right}`,
    invalidDataCase: (_, path, text) => `${path.join(".")}: ${text}`,
    missingDataCase: (_, path, text) => `${path.join(".")}: ${text}`,
    sourceUnavailableCase: (_, path, text) => `${path.join(".")}: ${text}`,
    unsupportedCase: (_, path, text) => `${path.join(".")}: ${text}`
  })

const message = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.message).join("; ").replace(/^Unable to decode .* into a number$/, "expected a number")

// The value schemas settings are made of.
export const Port = Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 65535), Schema.annotations({ message: () => "expected a port number from 0 to 65535" }))
export const PositiveInt = Schema.NumberFromString.pipe(Schema.int(), Schema.positive(), Schema.annotations({ message: () => "expected a whole number above 0" }))
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

/** One of a fixed set of words, case-insensitive (`TRANSPORT=UDP` works). */
export const oneOf = <const Words extends ReadonlyArray<string>>(...words: Words) =>
  Schema.transformOrFail(Schema.String, Schema.Literal(...words), {
    strict: true,
    decode: (text, _, ast) => {
      const word = words.find((w) => w.toLowerCase() === text.toLowerCase())
      return word === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, text, `expected one of ${words.join(", ")}`))
        : ParseResult.succeed(word as Words[number])
    },
    encode: (word) => ParseResult.succeed(word as string)
  })

type Specs = Record<string, SettingSpec<any>>
type ValueOf<S extends Specs> = { readonly [K in keyof S]: S[K] extends SettingSpec<infer A> ? A : never }

/** A group of settings as flags (for the program that owns them). */
export const options = <S extends Specs>(specs: S) =>
  Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, option(spec)])) as {
    readonly [K in keyof S]: Options.Options<ValueOf<S>[K]>
  }

/** The same group from the environment only (for `stack`, which runs several programs' servers). */
export const configs = <S extends Specs>(specs: S): Config.Config<ValueOf<S>> =>
  Config.all(Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, config(spec)]))) as never
