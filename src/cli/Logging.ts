import { Array as Arr, Cause, Effect, Inspectable, Layer, Logger, LogLevel } from "effect"
import { oneOf } from "../schema/SettingValues.js"
import { config } from "./Setting.js"

export const LOG_FORMATS = ["logfmt", "json", "pretty"] as const
export type LogFormat = typeof LOG_FORMATS[number]

const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "none"] as const
const toLogLevel = (level: typeof LOG_LEVELS[number]) =>
  ({
    trace: LogLevel.Trace,
    debug: LogLevel.Debug,
    info: LogLevel.Info,
    warning: LogLevel.Warning,
    error: LogLevel.Error,
    none: LogLevel.None
  })[level]

/**
 * A person at a terminal reads `pretty`; anything else (a container, CI, a pipe to a collector) gets full
 * logfmt lines with timestamp and fiber, as it always did.
 */
export const defaultLogFormat = (stderrIsTerminal: boolean): LogFormat => stderrIsTerminal ? "pretty" : "logfmt"

const PLAIN = /^[^\s"=]*$/
const show = (value: unknown) => {
  const text = Inspectable.toStringUnknown(value, 0)
  return PLAIN.test(text) ? text : JSON.stringify(text)
}

/**
 * Short lines for a terminal: the level, the message as written, then the annotations as `key=value`
 * (`INFO  point added user=ikhwan points=3`). No timestamp or fiber; a cause follows on its own lines.
 */
export const prettyLogger = (colors: boolean) =>
  Logger.make<unknown, string>(({ annotations, cause, logLevel, message }) => {
    const label = logLevel.label.padEnd(5)
    const level = colors ? `${COLORS[logLevel._tag] ?? ""}${label}\x1b[0m` : label
    let line = `${level} ${Arr.ensure(message).map((part) => typeof part === "string" ? part : Inspectable.toStringUnknown(part, 0)).join(" ")}`
    for (const [key, value] of annotations) line += ` ${key}=${show(value)}`
    if (!Cause.isEmptyType(cause)) line += `\n${Cause.pretty(cause, { renderErrorCause: true }).replace(/^/gm, "  ")}`
    return line
  })

const COLORS: Partial<Record<LogLevel.LogLevel["_tag"], string>> = {
  Fatal: "\x1b[1;31m",
  Error: "\x1b[31m",
  Warning: "\x1b[33m",
  Info: "\x1b[32m",
  Debug: "\x1b[2m",
  Trace: "\x1b[2m"
}

const terminal = process.stderr.isTTY === true
/** Every program's logging settings (environment only). */
export const logSpecs = {
  level: { env: "LOG_LEVEL", schema: oneOf(...LOG_LEVELS), default: "info", description: "the least severe events logged" },
  format: {
    env: "LOG_FORMAT",
    schema: oneOf(...LOG_FORMATS),
    default: defaultLogFormat(terminal),
    documentedDefault: "pretty when stderr is a terminal, else logfmt",
    description: "one event per line on stderr: pretty (short, for people), logfmt or json (for collectors)"
  }
}
const logLevel = config(logSpecs.level)
const logFormat = config(logSpecs.format)

/**
 * Structured logs on stderr, one event per line (`LOG_FORMAT` pretty, logfmt or json; `LOG_LEVEL`), so stdout
 * carries only what a program prints for its user (a client's replies).
 */
export const LoggingFromEnv = Layer.unwrapEffect(Effect.gen(function*() {
  const level = yield* logLevel
  const format = yield* logFormat
  const logger = format === "json"
    ? Logger.jsonLogger
    : format === "pretty"
    ? prettyLogger(terminal && process.env.NO_COLOR === undefined)
    : Logger.logfmtLogger
  return Layer.merge(
    Logger.replace(Logger.defaultLogger, Logger.withConsoleError(logger)),
    Logger.minimumLogLevel(toLogLevel(level))
  )
}))
