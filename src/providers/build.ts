import type { Config, ProviderEntry } from '../config.ts'
import { providerModules } from './index.ts'
import type { ImageProvider, ProviderBindings } from './types.ts'
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
  // Workers AI's seed settings and the AI binding's own entry (see workers-ai/entries.ts).
  const configured = withWorkersAiEntries(config, bindings)
  const entries = configured.length ? configured : [DEMO_ENTRY]
  const counts = new Map<string, number>()
  return entries.map((entry) => {
    const module = providerModules[entry.type]
    if (!module) throw new Error(`Unknown provider type "${entry.type}"`) // config.ts rejects these first
    const provider = module.create(entry, bindings)
    const seen = (counts.get(provider.name) ?? 0) + 1
    counts.set(provider.name, seen)
    // Several entries of one type get numbered names, so status and logs can tell them apart.
    const name = seen === 1 ? provider.name : `${provider.name}-${seen}`
    return {
      provider:
        name === provider.name
          ? provider
          : { ...provider, name, generate: provider.generate.bind(provider) },
      entry,
    }
  })
}
