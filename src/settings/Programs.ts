import type * as Options from "@effect/cli/Options"
import { logSpecs } from "../cli/Logging.js"
import type { SettingSpec } from "../cli/Setting.js"
import { echoClientOptions, echoServerOptions, echoServerSettings, messageClientOptions, messageServerOptions, messageServerSettings } from "./BasicsSettings.js"
import { dashboardOptions, dashboardSpecs } from "./DashboardSettings.js"
import { brokerSpecs } from "./BrokerSettings.js"
import { eventsOptions } from "./EventsSettings.js"
import { DB_SETTINGS_HELP, dbSpecs } from "./DbSettings.js"
import { metricsOptions } from "./MetricsSettings.js"
import { clientOptions, serverOptions, sharedServerOptions } from "./PointsSettings.js"
import { stackOptions } from "./StackSettings.js"

/** Settings a program reads from the environment only, by topic (docs/CONFIGURATION.md has a section for each). */
export interface SettingGroup {
  readonly title: string
  readonly specs: ReadonlyArray<SettingSpec<any>>
}

/** What a program is and which settings it reads: its flags (each with its variable), then environment-only groups. */
export interface ProgramSettings {
  readonly name: string
  /** What `--help` says the program does. */
  readonly description: string
  readonly flags: Readonly<Record<string, Options.Options<any>>>
  readonly environment: ReadonlyArray<SettingGroup>
  /** What docs/CONFIGURATION.md adds under the program's table. */
  readonly notes?: ReadonlyArray<string>
}

export const DATABASE: SettingGroup = { title: "Database", specs: Object.values(dbSpecs) }
export const LOGGING: SettingGroup = { title: "Logging", specs: Object.values(logSpecs) }
export const EVENTS: SettingGroup = { title: "Events (RabbitMQ)", specs: Object.values(brokerSpecs) }
/** What `--help` says about events, for the programs that publish them (docs/EVENTS.md). */
const EVENTS_HELP = " Events (environment only): BROKER_URL (unset: off), BROKER_URL_FILE, BROKER_EXCHANGE (default scoreline.points)."
const DASHBOARD: SettingGroup = { title: "Dashboard (in a stack)", specs: Object.values(dashboardSpecs) }
const ECHO: SettingGroup = { title: "Echo server (in a stack)", specs: Object.values(echoServerSettings) }
const MESSAGES: SettingGroup = { title: "Message server (in a stack)", specs: Object.values(messageServerSettings) }

const program = <const Name extends string, const Flags extends Readonly<Record<string, Options.Options<any>>>>(
  name: Name,
  description: string,
  flags: Flags,
  environment: ReadonlyArray<SettingGroup>,
  notes: ReadonlyArray<string> = []
) => ({ name, description, flags, environment: [...environment, LOGGING], notes }) satisfies ProgramSettings

/**
 * Every program's settings, in one place: the programs take their flags and `--help` text from here, and
 * docs/CONFIGURATION.md is generated from it (scripts/configuration-doc.ts), so neither can drift.
 */
export const PROGRAMS = {
  server: program(
    "server",
    "A points server for one user (seeds 000-002), on TCP or UDP. " + DB_SETTINGS_HELP + EVENTS_HELP,
    { ...serverOptions, ...metricsOptions },
    [DATABASE, EVENTS]
  ),
  client: program("client", "Asks a points server for the latest points, once or every POLL_INTERVAL seconds.", clientOptions, []),
  stack: program(
    "stack",
    "Runs a roster of points servers (default: seed 000's four) with a polling client each, the echo and message servers, and the web dashboard (HTTP_PORT, default 8080). " +
      DB_SETTINGS_HELP + EVENTS_HELP,
    stackOptions,
    [DATABASE, DASHBOARD, ECHO, MESSAGES, EVENTS],
    [
      "`TLS_CERT_FILE` and `TLS_KEY_FILE` make every TCP server of the stack speak TLS, but the stack's own polling clients and the dashboard's probes speak plain TCP: with them set, run the stack with `STACK_CLIENTS=false` (and expect the dashboard to show its TCP servers as down), or run `server`s and `client --tls` instead.",
      "A roster entry's `pointsPerTick` wins over `POINTS_PER_TICK` for that entry (seed 001's entries say 10)."
    ]
  ),
  dashboard: program(
    "dashboard",
    "The web dashboard: a live page, a REST API (/api, OpenAPI at /openapi.json, Swagger UI at /docs), user control and /metrics, over the points database. With BROKER_URL, resets, pauses and resumes are also published as control.<user> events. " +
      DB_SETTINGS_HELP + EVENTS_HELP,
    { ...dashboardOptions, roster: stackOptions.roster, refreshInterval: sharedServerOptions.refreshInterval },
    [DATABASE, EVENTS]
  ),
  migrate: program("migrate", "Runs the database migrations once and exits 0 (the compose `migrate` job). " + DB_SETTINGS_HELP, {}, [DATABASE]),
  events: program(
    "events",
    "Prints the point-change events on the broker (BROKER_URL, required here) as they come: `ikhwan +1 → 42 (slot 59874457, 2026-12-02 17:48:30)`, or each JSON body.",
    eventsOptions,
    [EVENTS]
  ),
  "echo-server": program("echo-server", "Echoes TCP streams in pieces of at most 16 bytes and UDP datagrams whole (seed 003).", echoServerOptions, []),
  "echo-client": program("echo-client", "Sends a message to an echo server (seed 003) over TCP or UDP and checks the echo.", echoClientOptions, []),
  "message-server": program("message-server", "Answers each TCP message with `Server received at <time>: <message>` (seed 004).", messageServerOptions, []),
  "message-client": program("message-client", "Sends messages to a message server (seed 004) and prints its replies.", messageClientOptions, [])
} as const
