// Tests read a peer's whole answer with the same helper the clients use.
export { readToEnd } from "../../src/layers/transport/readToEnd.js"
