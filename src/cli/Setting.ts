import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Config, ConfigError, Either, Option, ParseResult, Schema } from "effect"
import { describeParseError } from "../schema/ParseIssues.js"
import { kindOf } from "../schema/SettingValues.js"

/**
 * A program setting: a command-line flag that falls back to an environment variable, then to a documented
 * default. One Schema decodes all three, so `--port x` and `SERVER_PORT=x` fail alike, with the name at fault.
 */
export interface SettingSpec<A> {
  /** The command-line flag, for a setting a program also takes as one; environment-only settings have none. */
  readonly flag?: string
  readonly env: string
  readonly schema: Schema.Schema<A, string>
  /** Absent: the setting is required (the flag or the variable). */
  readonly default?: string
  /** The default as the documentation states it, where it depends on the machine (LOG_FORMAT's). */
  readonly documentedDefault?: string
  /** What the setting means, for `--help` and docs/CONFIGURATION.md. */
  readonly description: string
  /** What `--help` calls a text value (`--host address`); numbers and choices name themselves. */
  readonly placeholder?: string
  /** The value may carry a password (a URL with credentials): an error names the setting, never echoes the value. */
  readonly secret?: boolean
}

/** A setting that is also a flag. */
export type FlagSpec<A> = SettingSpec<A> & { readonly flag: string }

const DECLARED = new Map<string, SettingSpec<unknown>>()
const declare = (spec: SettingSpec<any>) => {
  // Two programs may declare one variable (TRANSPORT, POLL_INTERVAL) with their own meanings: the first is kept.
  if (!DECLARED.has(spec.env)) DECLARED.set(spec.env, spec)
}

/**
 * The environment variable of every setting declared so far with `option`, `config` or `optionalConfig`
 * (every settings module declares its own when it is loaded), for tests that must start programs clean.
 */
export const declaredVariables = (): ReadonlySet<string> => new Set(DECLARED.keys())

/** The text of a setting decoded, or why not (without the setting's name: the caller knows where it came from). */
const decodeText = <A>(spec: Pick<SettingSpec<A>, "schema" | "default" | "secret">, text: string | undefined): Either.Either<A, string> =>
  text === undefined
    ? Either.left("is required but not set")
    : Either.mapLeft(Schema.decodeEither(spec.schema)(text), (error) => spec.secret === true ? message(error) : `${message(error)}, got ${JSON.stringify(text)}`)

const message = (error: ParseResult.ParseError) =>
  describeParseError(error).replace(/^Unable to decode .* into a number$/, "expected a number")

/** The setting as an environment variable only (what `stack` and the layers read). */
export const config = <A>(spec: SettingSpec<A>): Config.Config<A> => {
  declare(spec)
  // A required setting that is absent is reported as invalid, not missing, so the message names the variable.
  return Config.option(Config.string(spec.env)).pipe(Config.mapOrFail((text) =>
    Either.mapLeft(decodeText(spec, Option.getOrElse(text, () => spec.default)), (why) => ConfigError.InvalidData([spec.env], why))
  ))
}

/**
 * A setting that may be absent (`DB_HOST`: unset means the embedded database). Set to the empty string, it is
 * absent too: what Compose passes for `${BROKER_URL_FILE:-}`, so a service can carry the variable switched off.
 */
export const optionalConfig = <A>(spec: SettingSpec<A>) => {
  declare(spec)
  return Config.option(Config.string(spec.env)).pipe(Config.map(Option.filter((text) => text !== "")), Config.mapOrFail(Option.match({
    onNone: () => Either.right(Option.none<A>()),
    onSome: (text) => decodeText(spec, text).pipe(Either.map(Option.some), Either.mapLeft((why) => ConfigError.InvalidData([spec.env], why)))
  })))
}

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

/** The command-line primitive of a setting's kind, read back as text for the setting's own Schema. */
const primitive = (spec: FlagSpec<unknown>): Options.Options<string> => {
  const kind = kindOf(spec.schema)
  switch (kind._tag) {
    case "Integer":
      return Options.map(Options.integer(spec.flag), String)
    case "Seconds":
      return Options.float(spec.flag).pipe(Options.withPseudoName("seconds"), Options.map(String))
    case "Choice":
      return Options.choice(spec.flag, kind.words)
    case "Text":
      return Options.text(spec.flag).pipe(Options.withPseudoName(spec.placeholder ?? "text"))
  }
}

/** Which setting a value came from (`--port` or `SERVER_PORT`), and its text (undefined: neither was given). */
interface Given {
  readonly source: string
  readonly text: string | undefined
}

const SETTINGS = new WeakMap<object, FlagSpec<unknown>>()

/**
 * The setting as a typed flag (`--port integer`, `--interval seconds`, `--transport tcp | udp`) with its
 * environment variable as @effect/cli's fallback; `--help` shows the type, both names and the default. The
 * fallback always succeeds with the variable's text, and the setting's Schema decodes it after, so a bad value
 * is one line of our own: `SERVER_PORT: expected a port number from 0 to 65535, got "99999"`.
 */
export const option = <A>(spec: FlagSpec<A>): Options.Options<A> => {
  declare(spec)
  const fromEnv: Config.Config<Given> = Config.map(
    Config.option(Config.string(spec.env)),
    (text) => ({ source: spec.env, text: Option.getOrElse(text, () => spec.default) })
  )
  const option = primitive(spec as FlagSpec<unknown>).pipe(
    Options.map((text): Given => ({ source: `--${spec.flag}`, text })),
    Options.withFallbackConfig(fromEnv),
    Options.mapEffect(({ source, text }) => Either.mapLeft(decodeText(spec, text), (why) => invalid(`${source}: ${why}`))),
    Options.withDescription(
      `${spec.description} [env ${spec.env}, ${spec.default === undefined ? "required" : `default ${spec.default || '""'}`}]`
    )
  )
  SETTINGS.set(option, spec as FlagSpec<unknown>)
  return option
}

/** The settings behind a program's flags (what `option` made them from); anything else, an argument, is left out. */
export const flagSpecs = (flags: Readonly<Record<string, unknown>>): ReadonlyArray<FlagSpec<unknown>> =>
  Object.values(flags).flatMap((flag) => {
    const spec = typeof flag === "object" && flag !== null ? SETTINGS.get(flag) : undefined
    return spec === undefined ? [] : [spec]
  })

const invalid = (line: string) => ValidationError.invalidValue(HelpDoc.p(`error: ${line}`))

/**
 * Decodes each setting given as a flag with its own Schema before @effect/cli parses the command line. A
 * typed primitive would reject `--port abc` itself, as "'abc' is not a integer", naming no flag; this
 * reports `--port: expected a port number from 0 to 65535, got "abc"`, as the variable would be. The CLI is
 * handed each value's canonical text (`--transport UDP` becomes `udp`), which its primitive then accepts.
 */
export const checkFlags = (specs: ReadonlyArray<FlagSpec<unknown>>, args: ReadonlyArray<string>): Either.Either<Array<string>, string> => {
  const settings = new Map(specs.map((spec) => [spec.flag, spec]))
  const checked: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") return Either.right([...checked, ...args.slice(i)])
    const flag = /^--([^=]+)(?:=([\s\S]*))?$/.exec(arg)
    const spec = flag === null ? undefined : settings.get(flag[1]!)
    const text = flag?.[2] ?? args[i + 1]
    if (spec === undefined || text === undefined) {
      checked.push(arg)
      continue
    }
    if (flag?.[2] === undefined) i++
    const decoded = decodeText(spec, text)
    if (Either.isLeft(decoded)) return Either.left(`--${spec.flag}: ${decoded.left}`)
    checked.push(`--${spec.flag}`, kindOf(spec.schema)._tag === "Text" ? text : Schema.encodeSync(spec.schema)(decoded.right))
  }
  return Either.right(checked)
}

type Specs = Record<string, FlagSpec<any>>
type ValueOf<S extends Specs> = { readonly [K in keyof S]: S[K] extends SettingSpec<infer A> ? A : never }

/** A group of settings as flags (for the program that owns them). */
export const options = <S extends Specs>(specs: S) =>
  Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, option(spec)])) as {
    readonly [K in keyof S]: Options.Options<ValueOf<S>[K]>
  }

/** The same group from the environment only (for `stack`, which runs several programs' servers). */
export const configs = <S extends Specs>(specs: S): Config.Config<ValueOf<S>> =>
  Config.all(Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, config(spec)]))) as never
