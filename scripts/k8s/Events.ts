import * as Yaml from "yaml"
import { labels, SECRETS } from "./Names.js"
import { BROKER_URL_KEY } from "./Pod.js"

// components/events: every points server publishes its point-change events (docs/EVENTS.md) to the broker whose
// URL is the Secret's `broker-url`. A patch rather than objects of its own: the servers are the base's.

/** The servers' container gets BROKER_URL from the Secret; the exchange stays BROKER_EXCHANGE's default. */
const serverWithBroker = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  // kustomize applies the patch to every target below; the name here is only a placeholder.
  metadata: { name: "points-server" },
  spec: {
    template: {
      spec: {
        containers: [{
          name: "server",
          env: [{ name: "BROKER_URL", valueFrom: { secretKeyRef: { name: SECRETS, key: BROKER_URL_KEY } } }]
        }]
      }
    }
  }
}

export const brokerPatch = {
  target: { kind: "Deployment", labelSelector: `app.kubernetes.io/component=${labels("points-server")["app.kubernetes.io/component"]}` },
  patch: Yaml.stringify(serverWithBroker, { lineWidth: 0 })
} as const
