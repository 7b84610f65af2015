import { option } from "../cli/Setting.js"
import { Flag, Text } from "../schema/SettingValues.js"

/** The `events` program's own settings: which user's events, and lines or JSON. */
export const eventsOptions = {
  user: option({ flag: "user", env: "EVENTS_USER", schema: Text, placeholder: "name", default: "", description: "print only this user's events; empty: everyone's" }),
  json: option({ flag: "json", env: "EVENTS_JSON", schema: Flag, default: "false", description: "print each event's JSON body (as published) instead of a line" })
}
