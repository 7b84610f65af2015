import * as CliConfig from "@effect/cli/CliConfig"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Option } from "effect"
import { GENERIC_TEXT_HELP } from "../../src/cli/Program.js"
import { checkFlags, flagSpecs, option, optionalConfig } from "../../src/cli/Setting.js"
import { clientOptions, serverOptions } from "../../src/settings/PointsSettings.js"
import { NonEmptyText, Port } from "../../src/schema/SettingValues.js"

const server = flagSpecs(serverOptions)
const client = flagSpecs(clientOptions)

describe("flags", () => {
  it("are decoded with the setting's own Schema, naming the flag, before the CLI sees them", () => {
    expect(checkFlags(server, ["--port", "abc"])).toEqual(Either.left('--port: expected a port number from 0 to 65535, got "abc"'))
    expect(checkFlags(server, ["--port=1.5"])).toEqual(Either.left('--port: expected a port number from 0 to 65535, got "1.5"'))
    expect(checkFlags(server, ["--transport", "sctp"])).toEqual(Either.left('--transport: expected one of tcp, udp, got "sctp"'))
    expect(checkFlags(server, ["--interval", "0"])).toEqual(Either.left('--interval: expected a number of seconds above 0, got "0"'))
    // The client's poll interval takes 0 ("ask once"): the same flag name, its own command's Schema.
    expect(checkFlags(client, ["--interval", "0"])).toEqual(Either.right(["--interval", "0"]))
  })

  it("reach the CLI as canonical text its typed primitives accept; other words pass untouched", () => {
    expect(checkFlags(server, ["--transport", "UDP", "--port=0050", "--user", "Ana", "--", "--port", "x"]))
      .toEqual(Either.right(["--transport", "udp", "--port", "50", "--user", "Ana", "--", "--port", "x"]))
    expect(checkFlags(client, ["--dialect", "GET_DATA", "extra"])).toEqual(Either.right(["--dialect", "get_data", "extra"]))
  })

  it.effect("fall back to the variable, then the default, and say which one was bad", () =>
    Effect.gen(function*() {
      const port = option({ flag: "port", env: "SERVER_PORT", schema: Port, default: "5001", description: "port" })
      const user = option({ flag: "user", env: "SERVER_USER", schema: NonEmptyText, description: "user" })
      const parse = <A>(setting: Options.Options<A>, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
        Options.processCommandLine(setting, args, CliConfig.defaultConfig).pipe(
          Effect.map(([, , value]) => value),
          Effect.mapError((error) => HelpDoc.toAnsiText(error.error).replace(/\x1b\[[0-9;]*m/g, "").trim()),
          Effect.either,
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
          Effect.provide(NodeContext.layer)
        )
      expect(yield* parse(port, ["--port", "7"], { SERVER_PORT: "8" })).toEqual(Either.right(7))
      expect(yield* parse(port, [], { SERVER_PORT: "8" })).toEqual(Either.right(8))
      expect(yield* parse(port, [])).toEqual(Either.right(5001))
      expect(yield* parse(port, [], { SERVER_PORT: "99999" }))
        .toEqual(Either.left('error: SERVER_PORT: expected a port number from 0 to 65535, got "99999"'))
      expect(yield* parse(port, ["--port", "70000"])).toEqual(Either.left('error: --port: expected a port number from 0 to 65535, got "70000"'))
      expect(yield* parse(user, [])).toEqual(Either.left("error: SERVER_USER: is required but not set"))
    }))
})

describe("--help", () => {
  // runProgram leaves @effect/cli's generic help of a text flag out of --help by matching its sentence. If an
  // upgrade rewords it, the filter would silently stop working: this test goes red instead.
  it("still finds the sentence @effect/cli's text primitive adds to every text flag", () => {
    const help = HelpDoc.toAnsiText(Options.getHelp(Options.text("host"))).replace(/\x1b\[[0-9;]*m/g, "")
    expect(help).toMatch(GENERIC_TEXT_HELP)
  })
})

describe("optional settings", () => {
  const spec = { env: "SOME_FILE_SETTING", schema: NonEmptyText, description: "a file" }
  const read = (env: Record<string, string>) =>
    Effect.runSync(Effect.either(Effect.withConfigProvider(optionalConfig(spec), ConfigProvider.fromMap(new Map(Object.entries(env))))))

  it("are absent when unset or set to the empty string (Compose's ${VAR:-}), and decoded otherwise", () => {
    expect(read({})).toEqual(Either.right(Option.none()))
    expect(read({ SOME_FILE_SETTING: "" })).toEqual(Either.right(Option.none()))
    expect(read({ SOME_FILE_SETTING: "/run/secrets/x" })).toEqual(Either.right(Option.some("/run/secrets/x")))
  })
})
