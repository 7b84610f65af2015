import type { Reporter, TestModule } from "vitest/node"

/**
 * Ends the run with one plain line, `Tests: 201 passed, 0 failed, 3 skipped`, which any CI log reader can
 * count, whatever it knows about vitest's own summary.
 */
export default class SummaryReporter implements Reporter {
  private modules: ReadonlyArray<TestModule> = []

  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    this.modules = modules
  }

  // The default reporter prints its summary here; ours comes right after it, so it is the log's last line.
  onFinished() {
    const modules = this.modules
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") counts.passed++
        else if (state === "failed") counts.failed++
        else counts.skipped++
      }
      // A file that failed to load has no tests to count, but it is a failure.
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) counts.failed++
    }
    process.stdout.write(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
  }
}
