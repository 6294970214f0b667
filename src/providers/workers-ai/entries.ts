import type { Config, ProviderEntry } from '../../config.ts'
import type { ProviderBindings } from '../types.ts'

/**
 * The configured provider entries with the `AI` binding added as a target of its own. The
 * binding exists only at run time, so this is the one Workers AI entry the configuration cannot
 * make. The other entries already carry their base URL, model and steps.
 *
 * With the binding present, a keyless entry uses it (unless the configuration already has one):
 * - next to REST accounts, it goes first with a priority one above theirs: it needs no token,
 *   adds no hop of ours, and is the Worker's own account; the REST accounts stay as failover
 *   targets for when its daily allocation (3036) or capacity (3040) runs out;
 * - next to other providers only, it goes last with a priority below all of them: a last
 *   resort that never takes traffic (or neurons) from the providers a person configured;
 * - with nothing configured, it is the only provider (in place of the offline demo).
 */
export function withWorkersAiEntries(config: Config, bindings: ProviderBindings): ProviderEntry[] {
  const entries = config.providers
  const workersAi = entries.filter((entry) => entry.type === 'workers-ai')
  if (!bindings.ai || workersAi.some((entry) => entry.keys.length === 0)) return entries

  const binding: ProviderEntry = {
    type: 'workers-ai',
    keys: [],
    priority: 0,
    weight: 1,
    options: { model: config.workersAi.model, numSteps: config.workersAi.numSteps },
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
