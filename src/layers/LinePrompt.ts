import { Context, Effect, Exit, Layer, Mailbox, Option } from "effect"
import * as Readline from "node:readline"

/** Where an interactive program gets its lines: a terminal, a pipe, or a script in tests. */
export interface LinePromptShape {
  /** Shows `prompt` and waits for the next line; None once input has ended (Ctrl-D, Ctrl-C, end of a pipe). */
  readonly ask: (prompt: string) => Effect.Effect<Option.Option<string>>
}

const nextLine = (lines: Mailbox.Mailbox<string>) => Effect.optionFromOptional(lines.take)

/**
 * node:readline on stdin/stdout as a scoped resource: lines go into a mailbox as they arrive (a pipe may deliver
 * them all at once), and the interface is closed when the scope closes, interruption included.
 */
const makeReadline = Effect.gen(function*() {
  const lines = yield* Mailbox.make<string>()
  const terminal = yield* Effect.acquireRelease(
    Effect.sync(() => Readline.createInterface({ input: process.stdin, output: process.stdout })),
    (terminal) => Effect.sync(() => terminal.close())
  )
  let closed = false
  terminal.on("line", (line) => lines.unsafeOffer(line))
  terminal.on("close", () => {
    closed = true
    lines.unsafeDone(Exit.void)
  })
  // In raw mode Ctrl-C reaches readline, not the process; without a listener readline would only pause.
  terminal.on("SIGINT", () => terminal.close())
  return {
    ask: (prompt) =>
      Effect.sync(() => {
        // A pipe may be read to its end before we ask; a closed interface throws on prompt(), so write it plainly.
        if (closed) return void process.stdout.write(prompt)
        terminal.setPrompt(prompt)
        terminal.prompt()
      }).pipe(Effect.andThen(nextLine(lines)))
  } satisfies LinePromptShape
})

export class LinePrompt extends Context.Tag("scoreline/LinePrompt")<LinePrompt, LinePromptShape>() {
  /** The process's stdin and stdout. */
  static readonly layer = Layer.scoped(LinePrompt, makeReadline)
  /** A fixed script of lines, then end of input; prompts are discarded. */
  static readonly layerMemory = (script: ReadonlyArray<string>) =>
    Layer.scoped(
      LinePrompt,
      Effect.gen(function*() {
        const lines = yield* Mailbox.make<string>()
        yield* lines.offerAll(script)
        yield* lines.end
        return { ask: () => nextLine(lines) }
      })
    )
}
