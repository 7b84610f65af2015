import { Option, ParseResult, Schema } from "effect"
import { option } from "../cli/Setting.js"
import { Port, withEdges } from "../schema/SettingValues.js"

/** A port, or empty for "off". */
const OptionalPort = withEdges(Schema.transformOrFail(Schema.String, Schema.OptionFromSelf(Schema.Number), {
  strict: true,
  decode: (text, options) =>
    text === "" ? ParseResult.succeed(Option.none()) : ParseResult.map(ParseResult.decodeUnknown(Port)(text, options), Option.some),
  encode: (port) => ParseResult.succeed(Option.match(port, { onNone: () => "", onSome: String }))
}).annotations({ message: () => "expected a port number from 0 to 65535, or empty for off" }), ["", "0", "65535"], ["65536", "-1", "abc"])

/** `METRICS_PORT`: a lone `server`'s own /metrics (the stack's dashboard serves the whole process's). */
export const metricsOptions = {
  metricsPort: option({ flag: "metrics-port", env: "METRICS_PORT", schema: OptionalPort, placeholder: "port", default: "", description: "port for this server's Prometheus /metrics (on SERVER_HOST); empty: off" })
}
