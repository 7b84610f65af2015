import { Data } from "effect"

/** Why one exchange with an echo or message server failed, and with which server. */
export class ExchangeError extends Data.TaggedError("ExchangeError")<{
  readonly reason: "Unreachable" | "Timeout" | "ClosedEarly" | "Mismatch" | "NoReply" | "Refused"
  readonly target: string
  readonly detail: string
}> {
  override get message() {
    // A transport error already names the address.
    return this.reason === "Unreachable" ? this.detail : `${this.target}: ${this.detail}`
  }
}
