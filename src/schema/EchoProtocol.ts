/**
 * Seed 003's echo protocol. TCP: whatever arrives goes straight back, in pieces of at most 16 bytes (the seed's
 * `recv(16)`), with no framing at all; the server never closes first. UDP: each datagram goes back whole.
 */
export const ECHO_PIECE_BYTES = 16

/** Seed 003's TCP client message: 91 bytes, so it comes back in five 16-byte pieces and one of 11. */
export const SEED_TCP_MESSAGE = "This is our message. It is very long but will only be transmitted in chunks of 16 at a time"

/** Seed 003's UDP client message: 48 bytes, one datagram each way. */
export const SEED_UDP_MESSAGE = "This is our message. It will be sent all at once"

/** Cuts bytes into consecutive pieces of at most `size` bytes (views, not copies). */
export const pieces = (bytes: Uint8Array, size = ECHO_PIECE_BYTES): ReadonlyArray<Uint8Array> => {
  const result: Array<Uint8Array> = []
  for (let start = 0; start < bytes.length; start += size) result.push(bytes.subarray(start, start + size))
  return result
}

/**
 * Bytes as Python prints them (`b'This is our mess'`), so our logs read like seed 003's and show every byte
 * exactly, UTF-8 or not.
 */
export const showBytes = (bytes: Uint8Array): string => {
  let text = ""
  for (const byte of bytes) {
    if (byte === 0x5c) text += "\\\\"
    else if (byte === 0x27) text += "\\'"
    else if (byte === 0x0a) text += "\\n"
    else if (byte === 0x0d) text += "\\r"
    else if (byte === 0x09) text += "\\t"
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte)
    else text += `\\x${byte.toString(16).padStart(2, "0")}`
  }
  return `b'${text}'`
}
