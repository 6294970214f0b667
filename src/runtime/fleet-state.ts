import { createHash, randomUUID } from 'node:crypto'
import type { Target } from '../pool/catalogue.ts'
import { FLEET_DISABLE_MS, type SharedPoolState, type TargetRest } from '../pool/shared-state.ts'
import type { RedisLink } from './redis.ts'

/**
 * The pool's cooldowns shared through Redis (Node, STORAGE=redis), so a key cooled down or
 * rejected on one instance is not tried on the others. Each rest is a key with a TTL
 * (`<prefix><fleet id>`, so late starters and reconnecting instances read what is running) and
 * a message on one channel (so running instances learn it at once). Requests only read a map in
 * memory; Redis is read on (re)subscribe and written when a target rests. Redis being away only
 * means each instance rests its targets on its own until it returns; then every instance
 * re-publishes the rests it still has and reads the others'.
 */

export type RedisPoolStateOptions = {
  link: RedisLink
  /** Every target of this instance's catalogue. */
  targets: readonly Target[]
  now?: () => number
  /** Default `fluxgate:pool:`; the channel is the prefix without its last colon. */
  prefix?: string
}

export type RedisPoolState = SharedPoolState & {
  /** Reads every running rest from Redis (after subscribing; also useful in tests). */
  resync(): Promise<void>
}

/** Message and stored value; `ttl` is relative, so clocks of instances need not agree. */
type RestMessage = { id: string; target: string; reason: string; ttl: number; from: string }

/** Sets the rest unless a longer one is already stored, and announces it, in one step. */
const PUBLISH_SCRIPT = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return redis.call('PUBLISH', ARGV[3], ARGV[1])
`

/**
 * A target's name in Redis, the same on every instance with the same provider and key: the
 * provider name and a hash of name and key (64 bits of SHA-256), never the key itself. Unlike
 * the key's position (`siliconflow#2`) it survives reordered key lists, and a replaced key
 * starts with a clean record.
 */
export function fleetId(target: Target): string {
  const name = target.provider.name
  if (target.key === null) return target.id
  return `${name}:${createHash('sha256').update(`${name}\0${target.key}`).digest('hex').slice(0, 16)}`
}

export async function redisPoolState(options: RedisPoolStateOptions): Promise<RedisPoolState> {
  const { link } = options
  const now = options.now ?? Date.now
  const prefix = options.prefix ?? 'fluxgate:pool:'
  const channel = prefix.replace(/:$/, '')
  const instance = randomUUID()
  const ids = new Map(options.targets.map((target) => [target, fleetId(target)]))
  const known = new Set(ids.values())
  const rests = new Map<string, TargetRest>()
  // Providers scrub keys from upstream messages; this is the second line of defence.
  const keys = options.targets.flatMap(({ key }) => (key && key.length >= 4 ? [key] : []))
  const redact = (text: string) => keys.reduce((out, key) => out.split(key).join('***'), text)

  function learn(message: RestMessage, ttl = message.ttl): void {
    if (message.from === instance || !known.has(message.id) || !(ttl > 0)) return
    const until = now() + ttl
    if ((rests.get(message.id)?.until ?? 0) < until) {
      rests.set(message.id, { until, reason: String(message.reason).slice(0, 300) })
    }
  }

  async function resync(): Promise<void> {
    const batch = link.client.pipeline()
    for (const id of known) batch.get(prefix + id).pttl(prefix + id)
    const replies = (await batch.exec()) ?? []
    for (let i = 0; i < replies.length; i += 2) {
      const value = replies[i]?.[1]
      const ttl = replies[i + 1]?.[1]
      if (typeof value === 'string' && typeof ttl === 'number') learn(parse(value), ttl)
    }
  }

  function publish(target: Target, rest: TargetRest): void {
    const id = ids.get(target)
    const ttl = Math.round(rest.until - now())
    if (!id || ttl <= 0 || !link.up) return
    const message: RestMessage = {
      id,
      target: target.id,
      reason: redact(rest.reason),
      ttl,
      from: instance,
    }
    // Fire and forget: an outage only means the others learn it when Redis returns.
    link.client
      .eval(PUBLISH_SCRIPT, 1, prefix + id, JSON.stringify(message), ttl, channel)
      .catch(() => {})
  }

  link.onRecover(() => {
    // Rests made during the outage reached nobody: announce the ones still running.
    const time = now()
    for (const target of options.targets) {
      const { health } = target
      if (health.disabled) {
        publish(target, { until: time + FLEET_DISABLE_MS, reason: health.disabled })
      } else if (health.cooldownUntil > time) {
        publish(target, { until: health.cooldownUntil, reason: health.lastError ?? 'rate limited' })
      }
    }
    void resync().catch(() => {})
  })

  let firstSync: () => void = () => {}
  const synced = new Promise<void>((resolve) => {
    firstSync = resolve
  })
  const subscriber = link.duplicate()
  subscriber.on('message', (_channel: string, text: string) => learn(parse(text)))
  // On every (re)connection: subscribe first, then read what was set while we were not listening.
  subscriber.on('ready', () => {
    void subscriber
      .subscribe(channel)
      .then(() => resync())
      .catch(() => {})
      .finally(firstSync)
  })
  // Start-up waits for the first read, briefly: a fresh instance should not retry a key the
  // fleet is resting, but an unreachable Redis must not hold start-up.
  if (link.up) await Promise.race([synced, sleep(2000)])

  return {
    publish,
    resync,
    restOf(target, time) {
      const id = ids.get(target)
      const rest = id === undefined ? undefined : rests.get(id)
      if (!rest || rest.until > time) return rest
      rests.delete(id!)
      return undefined
    },
  }
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref()
  })

function parse(text: string): RestMessage {
  try {
    return JSON.parse(text) as RestMessage
  } catch {
    return { id: '', target: '', reason: '', ttl: 0, from: '' }
  }
}
