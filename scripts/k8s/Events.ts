import * as Yaml from "yaml"
import { labels, SECRETS } from "./Names.js"
import { BROKER_URL_KEY } from "./Pod.js"

// components/events: every points server publishes its point-change events (docs/EVENTS.md) to the broker whose
// URL is the Secret's `broker-url`, and the dashboard follows them (and publishes its control events). Patches
// rather than objects of their own: the Deployments are the base's.

/** A Deployment's container gets BROKER_URL from the Secret; the exchange stays BROKER_EXCHANGE's default. */
const withBroker = (container: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  // kustomize applies the patch to every target; the name here is only a placeholder.
  metadata: { name: container },
  spec: {
    template: {
      spec: {
        containers: [{
          name: container,
          env: [{ name: "BROKER_URL", valueFrom: { secretKeyRef: { name: SECRETS, key: BROKER_URL_KEY } } }]
        }]
      }
    }
  }
})

const patchOf = (component: "points-server" | "dashboard", container: string) => ({
  target: { kind: "Deployment", labelSelector: `app.kubernetes.io/component=${labels(component)["app.kubernetes.io/component"]}` },
  patch: Yaml.stringify(withBroker(container), { lineWidth: 0 })
})

export const brokerPatches = [patchOf("points-server", "server"), patchOf("dashboard", "dashboard")] as const
