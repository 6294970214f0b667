import client from 'prom-client'
import type { App } from '../app.ts'
import { requireClientKey } from '../middleware/auth.ts'
import type { RequestLogLine } from '../middleware/request-log.ts'
import type { Catalogue, Target } from '../pool/catalogue.ts'
import { availability } from '../pool/health.ts'
import type { AttemptOutcome } from '../pool/shared-state.ts'

/**
 * Prometheus metrics for the Node server (`GET /metrics`, prom-client). Node-only: the core
 * stays Web-standard and only reports through two hooks, the request log line
 * (AppDeps.observe) and each upstream attempt's outcome (TargetHooks.onOutcome); pool target
 * states are read from the catalogue when scraped. Labels never carry a key, a prompt or a path
 * with ids in it: routes are patterns (`/image/:key`), targets are names (`siliconflow#2`).
 */

export type GatewayMetrics = {
  /** AppDeps.observe: one request log line. */
  observe(line: RequestLogLine): void
  /** TargetHooks.onOutcome: one upstream attempt. */
  onOutcome(target: Target, outcome: AttemptOutcome): void
  /** The exposition text of this gateway's metrics and the process's. */
  render(): Promise<string>
  /** Adds `GET /metrics` to the app, behind the client key when one is configured. */
  mount(app: App): void
  /** A handed-out image a store had to drop before it expired (Redis outage, memory cap). */
  onImageDropped(store: string): void
}

const STATES = ['ready', 'probe', 'cooling', 'open', 'disabled'] as const
/** Seconds; image generation takes from under a second (schnell) to a minute or more. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 90]

export function createMetrics(options: {
  catalogue: Catalogue
  /** Whether the fleet's Redis is reachable; absent when there is none. */
  redisUp?: () => boolean
  now?: () => number
}): GatewayMetrics {
  const { catalogue } = options
  const now = options.now ?? Date.now
  // Each gateway its own registry, so two in one process (tests) do not clash.
  const registry = new client.Registry()
  const registers = [registry]
  const requests = new client.Counter({
    name: 'fluxgate_http_requests_total',
    help: 'HTTP requests by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  })
  const generation = new client.Histogram({
    name: 'fluxgate_generation_duration_seconds',
    help: 'Time to answer requests that generated an image, by route and provider.',
    labelNames: ['route', 'provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  })
  const attempts = new client.Counter({
    name: 'fluxgate_upstream_attempts_total',
    help: 'Upstream attempts by provider, target and outcome (success or the failure kind).',
    labelNames: ['provider', 'target', 'outcome'] as const,
    registers,
  })
  const cacheHits = new client.Counter({
    name: 'fluxgate_cache_hits_total',
    help: 'Requests answered from the image store without generating: stored ids, seeded requests.',
    labelNames: ['source'] as const,
    registers,
  })
  // Zero from the start, so a dashboard's rate() sees the first hit.
  for (const source of ['stored-id', 'seeded']) cacheHits.inc({ source }, 0)
  new client.Gauge({
    name: 'fluxgate_target_state',
    help: 'Pool target state: 1 for the state each target is in, 0 for the others.',
    labelNames: ['provider', 'target', 'state'] as const,
    registers,
    collect() {
      this.reset()
      const time = now()
      for (const target of catalogue.targets) {
        const current = availability(target.health, time)
        for (const state of STATES) {
          const labels = { provider: target.provider.name, target: target.id, state }
          this.set(labels, state === current ? 1 : 0)
        }
      }
    },
  })
  const dropped = new client.Counter({
    name: 'fluxgate_images_dropped_total',
    help: 'Images dropped by a store before they expired, so their links stopped resolving early.',
    labelNames: ['store'],
    registers,
  })
  const { redisUp } = options
  if (redisUp) {
    new client.Gauge({
      name: 'fluxgate_redis_up',
      help: 'Whether the shared Redis is reachable (1) or this instance runs on local state (0).',
      registers,
      collect() {
        this.set(redisUp() ? 1 : 0)
      },
    })
  }
  // Process metrics (memory, CPU, event loop) live in prom-client's global registry, once per
  // process: each registration would add its own GC observer.
  if (!client.register.getSingleMetric('process_resident_memory_bytes')) {
    client.collectDefaultMetrics()
  }

  const render = async () => `${await registry.metrics()}\n${await client.register.metrics()}`
  return {
    observe(line) {
      const route = line.route ?? 'unmatched'
      requests.inc({ route, method: line.method, status: String(line.status) })
      if (line.direct === 'stored') cacheHits.inc({ source: 'stored-id' })
      if (line.provider === undefined) return
      // A seeded request answered from the store is a cache hit rather than a generation.
      if (line.cached) cacheHits.inc({ source: 'seeded' })
      else generation.observe({ route, provider: line.provider }, line.ms / 1000)
    },
    onOutcome(target, outcome) {
      attempts.inc({ provider: target.provider.name, target: target.id, outcome })
    },
    onImageDropped(store) {
      dropped.inc({ store })
    },
    render,
    mount(app) {
      // The app's own key check (its service bag reaches routes added after createApp).
      app.get('/metrics', requireClientKey, async (c) =>
        c.body(await render(), 200, {
          'Content-Type': registry.contentType,
          'Cache-Control': 'no-store',
        }),
      )
    },
  }
}
