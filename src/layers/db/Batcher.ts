import { Deferred, Effect, Exit, Queue, type Scope } from "effect"

interface Pending<A, B, E> {
  readonly request: A
  readonly answer: Deferred.Deferred<B, E>
}

/**
 * Batches requests made by many fibers at once: each caller waits for its own answer, while `workers` fibers
 * take whatever is waiting (up to `maxBatch`) and run it as one batch. A lone caller is a batch of one; the
 * thousand update fibers of a stack, waking at the same interval boundary, become a few batches. The workers
 * belong to the scope, so closing it stops them; a batch that fails fails every request in it.
 */
export const makeBatcher = <A, B, E>(
  run: (batch: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E>,
  options: { readonly maxBatch: number; readonly workers: number }
): Effect.Effect<(request: A) => Effect.Effect<B, E>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const waiting = yield* Effect.acquireRelease(Queue.unbounded<Pending<A, B, E>>(), Queue.shutdown)
    const worker = Effect.gen(function*() {
      const first = yield* Queue.take(waiting)
      // Let the other fibers woken by the same moment (an interval's boundary) queue theirs first.
      yield* Effect.yieldNow()
      const batch = [first, ...(yield* Queue.takeUpTo(waiting, options.maxBatch - 1))]
      const exit = yield* Effect.exit(run(batch.map((pending) => pending.request))).pipe(
        // Stopped mid-batch (the scope is closing): its callers are not left waiting.
        Effect.onInterrupt(() => Effect.forEach(batch, (pending) => Deferred.interrupt(pending.answer), { discard: true }))
      )
      yield* Effect.forEach(batch, (pending, i) =>
        Deferred.done(pending.answer, Exit.map(exit, (answers) => answers[i]!)), { discard: true })
    }).pipe(Effect.forever)
    yield* Effect.forkScoped(Effect.all(Array.from({ length: options.workers }, () => worker), { concurrency: "unbounded", discard: true }))
    return (request: A) =>
      Effect.flatMap(Deferred.make<B, E>(), (answer) => Effect.zipRight(Queue.offer(waiting, { request, answer }), Deferred.await(answer)))
  })
