import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import type { FileSystem } from "@effect/platform/FileSystem"
import type { Path } from "@effect/platform/Path"
import type { Terminal } from "@effect/platform/Terminal"
import { Cause, ConfigError, Console, Effect, Either, Layer, Option } from "effect"
import { LoggingFromEnv } from "./Logging.js"
import { checkFlags, describeConfigError, flagSpecs } from "./Setting.js"

/** The one line a failed program prints: what went wrong, naming the setting or the service at fault. */
const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Option.getOrElse(Cause.failureOption(cause), () => Cause.squash(cause))
  if (ConfigError.isConfigError(failure)) return describeConfigError(failure)
  return explain(failure)
}

/**
 * An error's message, or, where a library gives none ("An error has occurred"), its name and its cause's:
 * `ServeError: listen EADDRINUSE: address already in use 0.0.0.0:8080`.
 */
const explain = (error: unknown, depth = 0): string => {
  if (!(error instanceof Error)) return String(error)
  const generic = error.message === "" || error.message === "An error has occurred"
  if (!generic || depth > 3) return error.message
  const cause = error.cause === undefined ? "" : explain(error.cause, depth + 1)
  return cause === "" ? error.name : `${error.name}: ${cause}`
}

/**
 * @effect/cli opens the help of every text flag with "A user-defined piece of text."; ours say what the text
 * is (`--host address`: "address to listen on"), so `--help` leaves that sentence out.
 */
export const GENERIC_TEXT_HELP = /^[ \t]*A user-defined piece of text\.\r?\n(?:[ \t]*\r?\n)?/gm
const withoutGenericTextHelp = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.console, (console) =>
    Effect.withConsole(effect, {
      ...console,
      log: (...args: ReadonlyArray<unknown>) =>
        console.log(...args.map((arg) => typeof arg === "string" ? arg.replace(GENERIC_TEXT_HELP, "") : arg))
    }))

/** What the programs ask of the platform: files, paths and the terminal (NodeContext without its worker and process services). */
type Platform = FileSystem | Path | Terminal
const Platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/**
 * Runs a command-line program until it finishes or is interrupted. SIGINT/SIGTERM interrupt the main fiber,
 * every scope closes (sockets, pools) and the exit code is 0; a failure prints one line and exits 1.
 */
export const runProgram = <Name extends string, E, A>(
  program: { readonly name: Name; readonly description: string; readonly flags: Readonly<Record<string, unknown>> },
  command: Command.Command<Name, Platform, E, A>
) => {
  const { description, name } = program
  const [node = "node", script = name, ...args] = process.argv
  const run = Either.match(checkFlags(flagSpecs(program.flags), args), {
    // A bad flag value: our line, as a bad variable gets (see checkFlags).
    onLeft: (line) =>
      Effect.zipRight(Console.error(`error: ${line}`), Effect.fail(ValidationError.invalidValue(HelpDoc.p(line)))),
    onRight: (checked) =>
      Command.run(Command.withDescription(command, description), { name: `scoreline ${name}`, version: "0.1.0" })(
        [node, script, ...checked]
      ).pipe(args.includes("--help") || args.includes("-h") ? withoutGenericTextHelp : (effect) => effect)
  })
  return run.pipe(
    Effect.provide(Layer.mergeAll(Platform, LoggingFromEnv)),
    // Outermost, so that a failure to build the logging itself (a bad LOG_LEVEL) gets its line too. A
    // ValidationError (a bad flag or setting) has already been printed as its one line.
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) || Option.exists(Cause.failureOption(cause), ValidationError.isValidationError)
        ? Effect.void
        : Console.error(`error: ${describe(cause)}`)
    ),
    NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
  )
}
