import type { Config, ProviderEntry } from '../../config.ts'
import type { ProviderBindings } from '../types.ts'

/**
 * The configured provider entries, with Workers AI's seed settings applied and the `AI` binding
 * added as a target of its own.
 *
 * - Every workers-ai entry gets FLUX_MODEL, FLUX_NUM_STEPS and CF_API_BASE unless it sets its own.
 * - With the binding present, a keyless entry uses it (unless PROVIDERS already declares one):
 *   - next to REST accounts, it goes first with a priority one above theirs: it needs no token,
 *     adds no hop of ours, and is the Worker's own account; the REST accounts stay as failover
 *     targets for when its daily allocation (3036) or capacity (3040) runs out;
 *   - next to other providers only, it goes last with a priority below all of them: a last
 *     resort that never takes traffic (or neurons) from the providers a person configured;
 *   - with nothing configured, it is the only provider (in place of the offline demo).
 */
export function withWorkersAiEntries(config: Config, bindings: ProviderBindings): ProviderEntry[] {
  const defaults = { model: config.workersAi.model, numSteps: config.workersAi.numSteps }
  const entries = config.providers.map((entry) =>
    entry.type === 'workers-ai'
      ? {
          ...entry,
          baseUrl: entry.baseUrl ?? config.workersAi.apiBase,
          options: { ...defaults, ...entry.options },
        }
      : entry,
  )
  const workersAi = entries.filter((entry) => entry.type === 'workers-ai')
  if (!bindings.ai || workersAi.some((entry) => entry.keys.length === 0)) return entries

  const binding: ProviderEntry = {
    type: 'workers-ai',
    keys: [],
    priority: 0,
    weight: 1,
    options: defaults,
  }
  if (workersAi.length) {
    binding.priority = Math.max(...workersAi.map((entry) => entry.priority)) + 1
    const first = entries.indexOf(workersAi[0]!)
    return [...entries.slice(0, first), binding, ...entries.slice(first)]
  }
  if (entries.length) {
    binding.priority = Math.min(...entries.map((entry) => entry.priority)) - 1
    return [...entries, binding]
  }
  return [binding]
}
