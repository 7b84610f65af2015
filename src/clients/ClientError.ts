import { Data } from "effect"

/** Why a client's exchange with a server (points, echo or message) failed, and with which server. */
export class ClientError extends Data.TaggedError("ClientError")<{
  readonly reason: "Unreachable" | "Untrusted" | "Timeout" | "Refused" | "BadReply" | "NoReply" | "ClosedEarly" | "Mismatch"
  /** The server, as the client names it (`tcp://127.0.0.1:5001`, `127.0.0.1:10000`). */
  readonly target: string
  readonly detail: string
}> {
  override get message() {
    // A transport error's detail already names the address: not twice.
    return this.detail.includes(this.target) ? this.detail : `${this.target}: ${this.detail}`
  }
}
