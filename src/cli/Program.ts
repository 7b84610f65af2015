import { Command, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, ConfigError, Console, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { config, describeConfigError, oneOf } from "./Setting.js"

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
 * Structured logs on stderr, one line per event (`LOG_FORMAT` logfmt or json, `LOG_LEVEL`), so stdout carries
 * only what a program prints for its user (a client's replies).
 */
export const LoggingFromEnv = Layer.unwrapEffect(Effect.gen(function*() {
  const level = yield* config({ env: "LOG_LEVEL", schema: oneOf(...LOG_LEVELS), default: "info" })
  const format = yield* config({ env: "LOG_FORMAT", schema: oneOf("logfmt", "json"), default: "logfmt" })
  const logger = format === "json" ? Logger.jsonLogger : Logger.logfmtLogger
  return Layer.merge(
    Logger.replace(Logger.defaultLogger, Logger.withConsoleError(logger)),
    Logger.minimumLogLevel(toLogLevel(level))
  )
}))

/** The one line a failed program prints: what went wrong, naming the setting or the service at fault. */
const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Option.getOrElse(Cause.failureOption(cause), () => Cause.squash(cause))
  if (ConfigError.isConfigError(failure)) return describeConfigError(failure)
  return failure instanceof Error ? failure.message : String(failure)
}

/**
 * Runs a command-line program until it finishes or is interrupted. SIGINT/SIGTERM interrupt the main fiber,
 * every scope closes (sockets, pools) and the exit code is 0; a failure prints one line and exits 1.
 */
export const runProgram = <Name extends string, E, A>(
  name: Name,
  command: Command.Command<Name, NodeContext.NodeContext, E, A>,
  description: string
) =>
  Command.run(Command.withDescription(command, description), { name: `scoreline ${name}`, version: "0.1.0" })(
    process.argv
  ).pipe(
    Effect.provide(Layer.mergeAll(NodeContext.layer, LoggingFromEnv)),
    // Outermost, so that a failure to build the logging itself (a bad LOG_LEVEL) gets its line too. The CLI
    // has already printed a ValidationError (a bad flag or setting) as its one line.
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) || Option.exists(Cause.failureOption(cause), ValidationError.isValidationError)
        ? Effect.void
        : Console.error(`error: ${describe(cause)}`)
    ),
    NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
  )
