// `node --import ./test/support/recordLoads.mjs <program>`: appends the URL of every ES module the process
// loads to the file named by RECORD_LOADS, one a line, so a test can see what a built program really loads.
import { register } from "node:module"

const hooks = `
import { appendFileSync } from "node:fs"
export async function load(url, context, next) {
  if (process.env.RECORD_LOADS) appendFileSync(process.env.RECORD_LOADS, url + "\\n")
  return next(url, context)
}`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)
