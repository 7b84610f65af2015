import { retryOptions, sharedServerOptions } from "./PointsSettings.js"
import { option } from "../cli/Setting.js"
import { Flag, NonEmptyText, Seconds } from "../schema/SettingValues.js"

export const stackOptions = {
  roster: option({ flag: "roster", env: "ROSTER", schema: NonEmptyText, placeholder: "roster", default: "seed000", description: "seed000, seed001, seed002, or a roster JSON file" }),
  clients: option({ flag: "clients", env: "STACK_CLIENTS", schema: Flag, default: "true", description: "run one polling client per server" }),
  echo: option({ flag: "echo", env: "STACK_ECHO", schema: Flag, default: "true", description: "also run the echo servers (seed 003; settings ECHO_*)" }),
  dashboard: option({ flag: "dashboard", env: "STACK_DASHBOARD", schema: Flag, default: "true", description: "also run the web dashboard (settings HTTP_PORT, HTTP_HOST, ADMIN_TOKEN)" }),
  messages: option({ flag: "messages", env: "STACK_MESSAGES", schema: Flag, default: "true", description: "also run the message server (seed 004; settings MESSAGE_*)" }),
  pollInterval: option({ flag: "poll-interval", env: "POLL_INTERVAL", schema: Seconds, default: "10", description: "seconds between a client's polls" }),
  ...sharedServerOptions,
  ...retryOptions
}

