import { type Config, ConfigError, type ProviderEntry } from '../config.ts'
import { providerModules } from './index.ts'
import { findModel } from './models.ts'
import type { ImageProvider, ProviderBindings, ProviderModule } from './types.ts'
import { withWorkersAiEntries } from './workers-ai/entries.ts'

/** The demo entry, used when nothing else is configured. */
const DEMO_ENTRY: ProviderEntry = { type: 'demo', keys: [], priority: 0, weight: 1, options: {} }

/**
 * Instantiates every configured provider. With none configured, the demo provider serves, so
 * a fresh install works offline; it is never mixed in with real providers.
 */
export function buildProviders(
  config: Config,
  bindings: ProviderBindings,
): { provider: ImageProvider; entry: ProviderEntry }[] {
  // The AI binding exists only at run time, so its entry is added here (workers-ai/entries.ts).
  const configured = withWorkersAiEntries(config, bindings)
  const entries = configured.length ? configured : [DEMO_ENTRY]
  const counts = new Map<string, number>()
  const problems: string[] = []
  const built = entries.flatMap((entry) => {
    const module = providerModules[entry.type]
    if (!module) throw new Error(`Unknown provider type "${entry.type}"`) // config.ts rejects these first
    // Several entries of one type get numbered names (`openai`, `openai-2`), fixed before the
    // provider exists, so its errors, the logs and /v1/status all say the same.
    const base = module.baseName?.(entry) ?? entry.type
    const seen = (counts.get(base) ?? 0) + 1
    counts.set(base, seen)
    const name = seen === 1 ? base : `${base}-${seen}`
    try {
      const provider = withOutputFormats(module.create(entry, { name, bindings }), module)
      return [{ provider: withPublicIds(provider, entry.publicIds), entry }]
    } catch (error) {
      // A provider rejects its own settings (unknown or invalid options, a ComfyUI workflow
      // without {{prompt}}, a keyless workers-ai entry off Workers): collect them all for one
      // start-up error, as config.ts does.
      problems.push(entryProblem(entries, entry, error))
      return []
    }
  })
  if (problems.length) throw new ConfigError(problems)
  return built
}

/**
 * The provider with its type's `outputFormats` on every model that declares none, so routing
 * reads one field per model. The copy keeps the original's members, as withPublicIds' does.
 */
function withOutputFormats(
  provider: ImageProvider,
  { outputFormats }: ProviderModule,
): ImageProvider {
  if (!outputFormats) return provider
  return Object.create(provider, {
    models: {
      value: provider.models.map((model) =>
        model.capabilities.outputFormats
          ? model
          : { ...model, capabilities: { ...model.capabilities, outputFormats } },
      ),
    },
  })
}

/**
 * The provider with an entry's own public ids (`models` given as a map) put first on the models
 * they name, so they route there and are the ids listed.
 */
function withPublicIds(
  provider: ImageProvider,
  publicIds: Record<string, string> | undefined,
): ImageProvider {
  if (!publicIds) return provider
  const named = (id: string) => findModel(provider.models, id)
  for (const [publicId, upstreamId] of Object.entries(publicIds)) {
    const model = named(upstreamId)
    if (!model) throw new Error(`models: it serves no "${upstreamId}"`)
    // One public id on two models of one provider would fail over between different models.
    if (named(publicId) && named(publicId) !== model) {
      throw new Error(`models: "${publicId}" names another of its models`)
    }
  }
  const ids = Object.keys(publicIds)
  // Providers are plain objects or class instances: the copy keeps the original's members
  // (generate and its `this`) through its prototype and replaces only `models`.
  return Object.create(provider, {
    models: {
      value: provider.models.map((model) => ({
        ...model,
        publicIds: [...ids.filter((id) => named(publicIds[id]!) === model), ...model.publicIds],
      })),
    },
  })
}

/** `PROVIDERS: comfyui entry 2 (http://gpu:8188): <why>`, naming the entry without its keys. */
function entryProblem(entries: ProviderEntry[], entry: ProviderEntry, error: unknown): string {
  const sameType = entries.filter((other) => other.type === entry.type)
  const number = sameType.length > 1 ? ` ${sameType.indexOf(entry) + 1}` : ''
  // A base URL may carry proxy credentials (`https://user:pass@host`): never show them.
  const where = entry.baseUrl ? ` (${entry.baseUrl.replace(/\/\/[^/@]*@/, '//')})` : ''
  const reason = error instanceof Error ? error.message : String(error)
  return `PROVIDERS: ${entry.type} entry${number}${where}: ${reason}`
}
