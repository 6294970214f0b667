import type { ProviderEntry } from '../config.ts'
import { notFound } from '../errors.ts'
import type { ImageProvider, ModelSpec } from '../providers/types.ts'
import { newHealth, type TargetHealth } from './health.ts'

/** One provider with one of its keys: the unit that is rate-limited, disabled or failing. */
export type Target = {
  /** `siliconflow#2`: provider name and key number, safe to show. */
  id: string
  provider: ImageProvider
  key: string | null
  maskedKey: string | null
  priority: number
  weight: number
  health: TargetHealth
}

/** A target able to serve the requested model, with that provider's spec of it. */
export type Route = { target: Target; model: ModelSpec }

export type ResolvedModel = { id: string; routes: Route[] }

/** Ids clients send by default (OpenAI's); they mean "the default model". */
const DEFAULT_ALIASES = new Set(['dall-e-2', 'dall-e-3', 'gpt-image-1'])

/**
 * `sk-abcdef1234567889` -> `sk-ab...89`: enough to tell keys apart, never six characters in a
 * row. Keys under 16 characters are hidden entirely, since 7 of them would be half the key.
 */
export function maskKey(key: string): string {
  return key.length < 16 ? '***' : `${key.slice(0, 5)}...${key.slice(-2)}`
}

/**
 * Maps public model ids to the targets that serve them. Built once per app from the configured
 * providers; lookups are map reads.
 */
export class Catalogue {
  readonly targets: Target[]
  readonly defaultModel: string
  private readonly routesById = new Map<string, Route[]>()
  /** Public ids in listing order, first id of each model spec. */
  readonly publicIds: string[] = []

  constructor(
    providers: { provider: ImageProvider; entry: ProviderEntry }[],
    defaultModel?: string,
  ) {
    this.targets = providers.flatMap(({ provider, entry }) =>
      (entry.keys.length ? entry.keys : [null]).map((key, index) => ({
        id: entry.keys.length > 1 ? `${provider.name}#${index + 1}` : provider.name,
        provider,
        key,
        maskedKey: key === null ? null : maskKey(key),
        priority: entry.priority,
        weight: entry.weight,
        health: newHealth(),
      })),
    )
    for (const target of this.targets) {
      for (const model of target.provider.models) {
        const ids = [
          ...model.publicIds,
          model.id,
          `${target.provider.type}/${model.id}`,
          ...model.publicIds.map((id) => `${target.provider.type}/${id}`),
        ]
        for (const id of new Set(ids)) this.add(id, { target, model })
        const listed = model.publicIds[0] ?? model.id
        if (!this.publicIds.includes(listed)) this.publicIds.push(listed)
      }
    }
    const fallback = this.publicIds[0] ?? 'demo'
    this.defaultModel = defaultModel && this.routesById.has(defaultModel) ? defaultModel : fallback
  }

  private add(id: string, route: Route): void {
    const routes = this.routesById.get(id)
    if (routes) routes.push(route)
    else this.routesById.set(id, [route])
  }

  has(id: string): boolean {
    return this.routesById.has(id) || DEFAULT_ALIASES.has(id)
  }

  /** The routes for a model id; no id (or an OpenAI default id) means the default model. */
  resolve(id: string | undefined): ResolvedModel {
    const wanted = !id || DEFAULT_ALIASES.has(id) ? this.defaultModel : id
    const routes = this.routesById.get(wanted)
    if (!routes) {
      throw notFound(
        `The model '${id}' does not exist or is not served here. Available: ${this.publicIds.join(', ')}`,
        'model_not_found',
      )
    }
    return { id: wanted, routes }
  }
}
