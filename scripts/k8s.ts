// npm run k8s: the Kubernetes manifests (a kustomize tree) generated from the rosters, so the cluster runs
// the same layouts as `stack` and compose. A repository tool, not a program of the image: hence scripts/,
// not src/programs/, whose every file is bundled into dist/ and shipped.
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Data, Effect } from "effect"
import { runProgram } from "../src/cli/Program.js"
import { option } from "../src/cli/Setting.js"
import { NonEmptyText, PositiveInt } from "../src/schema/SettingValues.js"
import { driftOf, writeFiles } from "./k8s/Files.js"
import { DEFAULT_IMAGE, DEFAULT_REPLICAS, planFor, TREE_ROOT } from "./k8s/Plan.js"

class Drift extends Data.TaggedError("Drift")<{ readonly problems: ReadonlyArray<string> }> {
  override get message() {
    return `the manifests differ from a fresh generation (run npm run k8s): ${this.problems.join("; ")}`
  }
}

const settings = {
  roster: Options.text("roster").pipe(
    Options.optional,
    Options.withDescription("write one self-contained base for this roster (seed000, seed001, seed002 or a roster JSON file) into --out; without it, the whole committed tree")
  ),
  out: Options.text("out").pipe(Options.optional, Options.withDescription(`the folder to write into [default ${TREE_ROOT}; required with --roster]`)),
  check: Options.boolean("check").pipe(Options.withDescription("write nothing; fail, naming each file, where the folder differs from a fresh generation")),
  replicas: option({ flag: "replicas", env: "K8S_REPLICAS", schema: PositiveInt, default: String(DEFAULT_REPLICAS), description: "replicas of every points server" }),
  image: option({ flag: "image", env: "K8S_IMAGE", schema: NonEmptyText, default: DEFAULT_IMAGE, description: "the image every pod runs (or override it per cluster with kustomize images:)" })
}

const k8s = Command.make("k8s", settings, ({ check, image, out, replicas, roster }) =>
  Effect.gen(function*() {
    const { files, ownsFolder, root } = yield* planFor(roster, out, { replicas, image })
    if (check) {
      const problems = yield* driftOf(root, files, { ownsFolder })
      if (problems.length > 0) return yield* new Drift({ problems })
      return yield* Console.log(`${root}: ${files.length} files, as generated`)
    }
    yield* writeFiles(root, files, { ownsFolder })
    yield* Console.log(`wrote ${files.length} files into ${root}`)
  }))

runProgram({ name: "k8s", description: "Writes the Kubernetes manifests (kustomize base, layout overlays, components) generated from the rosters.", flags: settings }, k8s)
