import { Schema } from "effect"

/** Which socket a server listens on or a client dials: TCP streams or UDP datagrams. */
export const TransportKind = Schema.Literal("tcp", "udp")
export type TransportKind = typeof TransportKind.Type
