/**
 * Encodes text to bytes, remembering the last: a server answers the same reply until its state changes, so
 * each distinct reply is encoded once, not once per request. One per listener (not shared: in a stack, each
 * server's replies would push the others' out).
 */
export const lastEncoding = (): ((text: string) => Buffer) => {
  let lastText = ""
  let lastBytes = Buffer.alloc(0)
  return (text) => {
    if (text !== lastText) {
      lastText = text
      lastBytes = Buffer.from(text)
    }
    return lastBytes
  }
}
