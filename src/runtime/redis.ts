import { Redis } from 'ioredis'
import type { Logger } from '../middleware/request-log.ts'

/**
 * One Redis connection for a Node instance of a fleet (STORAGE=redis), shared by the image
 * store, the rate limiter and the pool state. Node-only; loaded by the Node entry only when
 * STORAGE=redis. Commands fail fast while Redis is away (no offline queue, no retries of a
 * command caught by a dropped connection, a short command timeout), so callers fall back to
 * local state at once instead of holding requests; ioredis keeps reconnecting in the
 * background. An outage is logged once when it starts and once when it ends, never per request.
 */

export type RedisLink = {
  readonly client: Redis
  /** True while the connection is ready; false during an outage. */
  readonly up: boolean
  /** Calls `listener` each time the connection becomes ready again (also after a down start). */
  onRecover(listener: () => void): void
  /** A second connection (pub/sub needs its own), closed with this one. */
  duplicate(): Redis
  close(): Promise<void>
}

export type RedisLinkOptions = {
  log: Logger
  /** Longest wait for a reply before the command fails and the caller falls back; 2000 ms. */
  commandTimeoutMs?: number
  /** Longest wait for the first connection at start-up; 3000 ms. */
  startTimeoutMs?: number
}

/** `redis://host:port` without user or password, for messages. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`
  } catch {
    return 'redis (unparsable REDIS_URL)'
  }
}

/**
 * Connects to `url`. Resolves once connected, or after `startTimeoutMs` with the link down:
 * an instance whose Redis is not up yet still starts and serves from local state.
 */
export async function connectRedis(url: string, options: RedisLinkOptions): Promise<RedisLink> {
  const { log } = options
  const address = redisAddress(url)
  const password = safePassword(url)
  // ioredis messages name host and port only; scrub the password anyway, in case one ever does.
  const scrub = (text: string) => (password ? text.split(password).join('***') : text)
  const settings = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 2000,
    // Reconnect quickly at first, then every second: an outage ends as soon as Redis is back.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  }
  const client = new Redis(url, settings)
  const extra: Redis[] = []
  const recoverListeners: (() => void)[] = []
  let up = false
  let outageLogged = false
  let closing = false

  client.on('ready', () => {
    up = true
    if (outageLogged) log({ level: 'info', message: `redis: ${address} reachable again` })
    outageLogged = false
    // None are registered yet at the first connection; after that, every 'ready' is a return.
    for (const listener of recoverListeners) listener()
  })
  const down = (error?: Error) => {
    up = false
    if (outageLogged || closing) return
    outageLogged = true
    const why = error ? `: ${scrub(error.message)}` : ''
    log({
      level: 'warn',
      message: `redis: ${address} unreachable${why}; serving from local state until it returns`,
    })
  }
  // Without an 'error' listener ioredis prints every reconnect failure to the console.
  client.on('error', (error: Error) => down(error))
  client.on('close', () => {
    if (up) down()
  })

  const started = client.connect().catch(() => {})
  const timeout = new Promise<void>((resolve) => {
    setTimeout(resolve, options.startTimeoutMs ?? 3000).unref()
  })
  await Promise.race([started, timeout])
  if (!up) down()

  return {
    client,
    get up() {
      return up
    },
    onRecover(listener) {
      recoverListeners.push(listener)
    },
    duplicate() {
      const copy = client.duplicate({ ...settings, lazyConnect: false })
      copy.on('error', () => {}) // the main connection reports outages
      extra.push(copy)
      return copy
    },
    async close() {
      closing = true
      for (const connection of [...extra, client]) {
        // quit() waits for pending replies; while Redis is away it would wait for ever.
        if (connection.status === 'ready') await connection.quit().catch(() => {})
        connection.disconnect()
      }
    },
  }
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined
  } catch {
    return undefined
  }
}
