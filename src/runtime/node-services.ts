import { createHash } from 'node:crypto'
import type { App, AppDeps } from '../app.ts'
import type { Config } from '../config.ts'
import type { Logger } from '../middleware/request-log.ts'
import { Catalogue } from '../pool/catalogue.ts'
import { attachHooks } from '../pool/shared-state.ts'
import { buildProviders } from '../providers/build.ts'
import type { Sha256 } from '../services.ts'
import type { ImageStore } from '../storage/types.ts'
import { createMetrics } from './metrics.ts'

/**
 * What the Node entry adds to the core: Prometheus metrics always, and with STORAGE=redis the
 * fleet's shared state (images, per-IP counts, pool cooldowns) over one Redis connection.
 * ioredis is imported only when Redis is configured.
 */
export type NodeServices = {
  /** The Redis image store, or undefined to let the entry open fs or memory storage. */
  storage: ImageStore | undefined
  deps: Pick<AppDeps, 'catalogue' | 'observe' | 'rateLimiter' | 'sha256'>
  /** Adds the Node-only routes (`GET /metrics`). */
  mount(app: App): void
  /** Counts an image a store dropped before it expired. */
  onImageDropped(store: string): void
  close(): Promise<void>
}

/** node:crypto's SHA-256: synchronous, a tenth of the CPU of Web Crypto's on Node (services.ts). */
export const nodeSha256: Sha256 = (bytes) => createHash('sha256').update(bytes).digest()

export async function createNodeServices(config: Config, log: Logger): Promise<NodeServices> {
  // Built here rather than in createApp, so hooks can be attached and metrics can read health.
  const catalogue = new Catalogue(buildProviders(config, {}), config.defaultModel)
  let metrics: ReturnType<typeof createMetrics> | undefined
  const onImageDropped = (store: string) => metrics?.onImageDropped(store)
  const fleet =
    config.storage.kind === 'redis'
      ? await openFleet(config, catalogue, log, () => onImageDropped('redis'))
      : null
  metrics = createMetrics({ catalogue, redisUp: fleet ? () => fleet.link.up : undefined })
  attachHooks(catalogue.targets, { shared: fleet?.poolState, onOutcome: metrics.onOutcome })
  return {
    storage: fleet?.storage,
    deps: {
      catalogue,
      observe: metrics.observe,
      rateLimiter: fleet?.rateLimiter,
      sha256: nodeSha256,
    },
    mount: (app) => metrics.mount(app),
    onImageDropped,
    // The entry closes the store first (it waits for a flush in progress), then this.
    close: async () => {
      await fleet?.link.close()
    },
  }
}

async function openFleet(config: Config, catalogue: Catalogue, log: Logger, onDrop: () => void) {
  const [
    { connectRedis },
    { redisStorage },
    { fsStorage },
    { redisRateLimiter },
    { redisPoolState },
  ] = await Promise.all([
    import('./redis.ts'),
    import('../storage/redis.ts'),
    import('../storage/fs.ts'),
    import('../limits/redis.ts'),
    import('./fleet-state.ts'),
  ])
  // config.ts requires REDIS_URL with STORAGE=redis.
  const link = await connectRedis(config.storage.redisUrl!, { log })
  return {
    link,
    // Images made while Redis is away go to disk, so a restart during an outage keeps them.
    storage: redisStorage({
      link,
      fallback: await fsStorage({ dataDir: config.storage.dataDir }),
      log,
      onDrop,
    }),
    rateLimiter: config.rateLimit ? redisRateLimiter({ link, ...config.rateLimit }) : undefined,
    poolState: await redisPoolState({ link, targets: catalogue.targets }),
  }
}
