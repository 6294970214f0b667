import { ConfigError, type ProviderEntry } from '../config.ts'
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

/**
 * OpenAI's image model ids, which OpenAI clients send by default (Open WebUI "dall-e-2", NextChat
 * "dall-e-3", the SDKs' examples "gpt-image-1"): `dall-e-*`, `gpt-image-*`, `chatgpt-image-*`,
 * dated snapshots and models yet to come included. When no configured provider serves one it
 * means the default model, so those clients work unchanged; an `openai` entry that does serve
 * one keeps it.
 */
const OPENAI_IMAGE_ID = /^(?:dall-e|gpt-image|chatgpt-image)-/i

/**
 * One line of /v1/models: an id, the provider types that serve it (best first), and whether
 * any of them takes input images.
 */
export type ListedModel = { id: string; providers: string[]; takesImages: boolean }

/**
 * `sk-abcdef1234567889` -> `sk-ab...89`: enough to tell keys apart, never six characters in a
 * row. Keys under 16 characters are hidden entirely, since 7 of them would be half the key.
 */
export function maskKey(key: string): string {
  return key.length < 16 ? '***' : `${key.slice(0, 5)}...${key.slice(-2)}`
}

/**
 * Maps model ids to the targets that serve them. Built once per app from the configured
 * providers; lookups are map reads. Each model answers to:
 * - its public ids (`flux-schnell`), across every provider that serves it;
 * - its upstream id (`@cf/black-forest-labs/flux-1-schnell`, what Flux-API-Worker's users send);
 * - both forms qualified by provider type or entry name (`siliconflow/flux-schnell`,
 *   `workers-ai/@cf/...`, `comfyui-2/flux-dev`), which route to that provider only.
 * Ids match exactly first, then ignoring case.
 */
export class Catalogue {
  readonly targets: Target[]
  readonly defaultModel: string
  /** What /v1/models lists: one line per model, by provider priority, the default first. */
  readonly listing: ListedModel[]
  /** The listed ids, in listing order. */
  readonly publicIds: string[]
  private readonly routesById = new Map<string, Route[]>()
  private readonly idsByLowerCase = new Map<string, string>()

  /**
   * @param defaultModel DEFAULT_MODEL: must name a servable id, or construction throws a
   *   ConfigError listing what is servable; absent: the first listed model.
   */
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
        for (const id of idsOf(target.provider, model)) this.add(id, { target, model })
      }
    }

    // Listed in the order requests are routed: higher priority first, then configuration order.
    const ids = new Set<string>()
    for (const { provider } of [...this.targets].sort((a, b) => b.priority - a.priority)) {
      for (const model of provider.models) ids.add(model.publicIds[0] ?? model.id)
    }
    const listing = [...ids].map((id) => this.entry(id))

    this.defaultModel = defaultModel
      ? this.checkedDefault(defaultModel, listing)
      : (listing[0]?.id ?? 'demo')
    // Pickers preselect the first entry: make that the model a request without one gets.
    const first = listing.findIndex((model) => model.id === this.defaultModel)
    if (first > 0) listing.unshift(...listing.splice(first, 1))
    this.listing = listing
    this.publicIds = listing.map((model) => model.id)
  }

  private add(id: string, route: Route): void {
    const routes = this.routesById.get(id)
    if (routes) routes.push(route)
    else this.routesById.set(id, [route])
    const lower = id.toLowerCase()
    if (!this.idsByLowerCase.has(lower)) this.idsByLowerCase.set(lower, id)
  }

  /** DEFAULT_MODEL in its configured spelling, or a start-up error naming what would work. */
  private checkedDefault(wanted: string, listing: ListedModel[]): string {
    const known = this.known(wanted)
    if (known) return known
    throw new ConfigError([
      `DEFAULT_MODEL: "${wanted}" is not served by the configured providers; servable: ${listing
        .map((model) => model.id)
        .join(', ')} (or a provider-qualified id such as ${this.qualifiedExample(listing)})`,
    ])
  }

  private qualifiedExample(listing: ListedModel[]): string {
    const [model] = listing
    return model ? `${model.providers[0]}/${model.id}` : 'demo/demo'
  }

  /** The id as the catalogue spells it, if it routes anywhere. */
  private known(id: string): string | undefined {
    return this.routesById.has(id) ? id : this.idsByLowerCase.get(id.toLowerCase())
  }

  /** True when `id` routes somewhere, counting OpenAI's image ids. */
  has(id: string): boolean {
    return this.known(id) !== undefined || OPENAI_IMAGE_ID.test(id)
  }

  /** The routes for a model id; no id (or an OpenAI image id) means the default model. */
  resolve(id: string | undefined): ResolvedModel {
    const wanted = !id
      ? this.defaultModel
      : (this.known(id) ?? (OPENAI_IMAGE_ID.test(id) ? this.defaultModel : undefined))
    const routes = wanted === undefined ? undefined : this.routesById.get(wanted)
    if (wanted === undefined || !routes) {
      throw notFound(
        `The model '${id}' does not exist or is not served here. Available: ${this.publicIds.join(', ')}`,
        'model_not_found',
      )
    }
    return { id: wanted, routes }
  }

  /**
   * The /v1/models line for any id that routes (`siliconflow/flux-schnell`, `dall-e-3`), under
   * the catalogue's spelling of it; throws resolve's 404 for others.
   */
  entry(id: string): ListedModel {
    const { routes } = this.resolve(id)
    const ranked = routes.map((route) => route.target).sort((a, b) => b.priority - a.priority)
    return {
      id: this.known(id) ?? id,
      providers: [...new Set(ranked.map((target) => target.provider.type))],
      takesImages: routes.some((route) => route.model.capabilities.input),
    }
  }
}

/** Every id a model answers to on one provider (see Catalogue). */
function idsOf(provider: ImageProvider, model: ModelSpec): Set<string> {
  const names = [...model.publicIds, model.id]
  const prefixes = new Set([provider.type, provider.name])
  return new Set([
    ...names,
    ...[...prefixes].flatMap((prefix) => names.map((name) => `${prefix}/${name}`)),
  ])
}
