import { Hono } from 'hono/tiny'
import type { Catalogue, Target } from '../pool/catalogue.ts'
import { type HealthSnapshot, healthSnapshot } from '../pool/health.ts'
import type { AppEnv } from '../services.ts'

/**
 * `GET /v1/status` (client key required): every provider, each of its targets with a masked key
 * and its health, the storage kind and the default model. Health is kept in this process (Node)
 * or Worker isolate, so the answer describes only the instance that gave it.
 */

const SCOPE_NOTE =
  'Health, cooldowns and counters live in the memory of this process (Node) or Worker isolate: ' +
  'they start fresh on restart and are not shared between instances or isolates, except that ' +
  'with STORAGE=redis a fleet of Node instances shares cooldowns and rejected keys.'

export type TargetStatus = {
  id: string
  /** Masked (`sk-ab...89`, or `***` for short keys); null for keyless backends. */
  key: string | null
  priority: number
  weight: number
} & HealthSnapshot

export type ProviderStatus = {
  name: string
  type: string
  models: { id: string; publicIds: string[] }[]
  targets: TargetStatus[]
}

/** The status document; pure, so it can be tested and reused by other pages. */
export function describeStatus(
  catalogue: Catalogue,
  options: { now: number; storage: string },
): {
  object: 'status'
  time: string
  scope: 'process'
  scopeNote: string
  storage: string
  defaultModel: string
  models: string[]
  providers: ProviderStatus[]
} {
  const providers = new Map<string, ProviderStatus>()
  for (const target of catalogue.targets) {
    const { provider } = target
    let entry = providers.get(provider.name)
    if (!entry) {
      entry = {
        name: provider.name,
        type: provider.type,
        models: provider.models.map((model) => ({ id: model.id, publicIds: model.publicIds })),
        targets: [],
      }
      providers.set(provider.name, entry)
    }
    entry.targets.push(targetStatus(target, options.now, catalogue.targets))
  }
  return {
    object: 'status',
    time: new Date(options.now).toISOString(),
    scope: 'process',
    scopeNote: SCOPE_NOTE,
    storage: options.storage,
    defaultModel: catalogue.defaultModel,
    models: catalogue.publicIds,
    providers: [...providers.values()],
  }
}

function targetStatus(target: Target, now: number, all: Target[]): TargetStatus {
  const snapshot = healthSnapshot(target.health, now)
  // Providers scrub keys from upstream messages; this is the second line of defence.
  const scrub = (text: string | null) => (text === null ? null : redactKeys(text, all))
  return {
    id: target.id,
    key: target.maskedKey,
    priority: target.priority,
    weight: target.weight,
    ...snapshot,
    disabledReason: scrub(snapshot.disabledReason),
    lastError: scrub(snapshot.lastError),
  }
}

/** Replaces every configured key that occurs in `text`. */
export function redactKeys(text: string, targets: Target[]): string {
  let result = text
  for (const { key } of targets) {
    if (key && key.length >= 4) result = result.split(key).join('***')
  }
  return result
}

export function statusRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/v1/status', (c) => {
    const { catalogue, storage, now } = c.get('services')
    const body = describeStatus(catalogue, { now: now(), storage: storage?.kind ?? 'none' })
    // Health changes by the second; no cache may keep an old copy.
    return c.json(body, 200, { 'Cache-Control': 'no-store' })
  })
  return routes
}
