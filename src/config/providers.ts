import * as z from 'zod/mini'
import { englishIssues } from '../issue-messages.ts'
import { providerModules, providerTypes } from '../providers/index.ts'
import { list, readText, refuse, textOr, url } from './values.ts'

/** One upstream provider and its keys, from the provider variables or `PROVIDERS`. */
export type ProviderEntry = {
  type: string
  /** Credentials; one target per key. Empty for keyless backends (demo, self-hosted). */
  keys: string[]
  baseUrl?: string
  /** Upstream model ids to serve; the provider's full catalogue when absent. */
  models?: string[]
  /**
   * Public id -> upstream id, when `models` was given as a map: the public ids route to (and
   * /v1/models lists) those upstream models, so upstreams that name one model differently
   * serve one public id with failover.
   */
  publicIds?: Record<string, string>
  /** Higher is tried first. Default 0. */
  priority: number
  /** Share of traffic among targets of equal priority. Default 1. */
  weight: number
  /** Provider-specific settings (e.g. a ComfyUI workflow, Workers AI step count). */
  options: Record<string, unknown>
}

/** Settings every Workers AI entry starts from, whichever variable created it. */
export type WorkersAiDefaults = { apiBase: string; model: string; numSteps: number }

const nonEmpty = z.string().check(z.minLength(1))

const providerEntry = z.object({
  type: z.enum(providerTypes as [string, ...string[]], {
    error: (issue) =>
      `type${issue.input === undefined ? '' : ` ${JSON.stringify(issue.input)}`} must be one of: ${providerTypes.join(', ')}`,
  }),
  keys: z._default(
    z.union([
      z.pipe(
        z.string(),
        z.transform((key) => [key]),
      ),
      z.array(nonEmpty),
    ]),
    [],
  ),
  baseUrl: z.optional(z.url({ protocol: /^https?$/ })),
  models: z.optional(
    z.union([z.array(nonEmpty), z.record(nonEmpty, nonEmpty)], {
      error: 'must be a list of upstream model ids or a map from public id to upstream id',
    }),
  ),
  priority: z._default(z.int(), 0),
  weight: z._default(z.number().check(z.positive()), 1),
  options: z._default(z.record(z.string(), z.unknown()), {}),
})

const providersJson = readText((value, ctx): ProviderEntry[] => {
  if (!value) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    refuse(ctx, 'expected a JSON array of {type, keys, ...}')
    return z.NEVER
  }
  const result = z.array(providerEntry).safeParse(parsed, { error: englishIssues })
  if (!result.success) {
    for (const issue of result.error.issues) {
      refuse(ctx, `entry ${issue.path.join('.')}: ${issue.message}`)
    }
    return z.NEVER
  }
  // A keyed type with no key would call its API anonymously on every request and fail each time.
  const missing = result.data.flatMap((entry, index) =>
    entry.keys.length || providerModules[entry.type]?.keyless
      ? []
      : [`entry ${index} (${entry.type}) needs "keys"`],
  )
  for (const message of missing) refuse(ctx, message)
  if (missing.length) return z.NEVER
  return result.data.map(({ baseUrl, models, ...entry }) => ({
    ...entry,
    baseUrl: baseUrl?.replace(/\/+$/, ''),
    ...(Array.isArray(models) || !models
      ? { models }
      : { models: [...new Set(Object.values(models))], publicIds: models }),
  }))
})

/** The variables that configure providers: one shortcut each for the two common ones. */
export const providerVariables = {
  CF_ACCOUNTS: z.pipe(
    list,
    z.array(
      z.string().check(z.regex(/^[^:\s]+:\S+$/, 'expected "accountId:token,accountId:token"')),
    ),
  ),
  CF_API_BASE: url('https://api.cloudflare.com/client/v4'),
  SILICONFLOW_API_KEYS: list,
  SILICONFLOW_API_BASE: url('https://api.siliconflow.cn/v1'),
  SILICONFLOW_MODEL: textOr('black-forest-labs/FLUX.1-schnell'),
  PROVIDERS: providersJson,
}

export type ProviderValues = z.infer<z.ZodMiniObject<typeof providerVariables>>

/**
 * Every configured entry: Workers AI REST accounts (`accountId:token`), then SiliconFlow keys,
 * then `PROVIDERS`. `extra` carries keys that arrive under other names; they come first, and a
 * key given twice makes one target.
 */
export function providerEntries(
  values: ProviderValues,
  extra: { workersAiAccounts: string[]; siliconflowKeys: string[] },
  workersAi: WorkersAiDefaults,
): ProviderEntry[] {
  const entries: ProviderEntry[] = []
  const accounts = [...new Set([...extra.workersAiAccounts, ...values.CF_ACCOUNTS])]
  if (accounts.length) {
    entries.push({ type: 'workers-ai', keys: accounts, priority: 0, weight: 1, options: {} })
  }
  const siliconflowKeys = [...new Set([...extra.siliconflowKeys, ...values.SILICONFLOW_API_KEYS])]
  if (siliconflowKeys.length) {
    entries.push({
      type: 'siliconflow',
      keys: siliconflowKeys,
      baseUrl: values.SILICONFLOW_API_BASE,
      models: [values.SILICONFLOW_MODEL],
      priority: 0,
      weight: 1,
      options: {},
    })
  }
  return [...entries, ...values.PROVIDERS].map((entry) =>
    entry.type === 'workers-ai' ? withWorkersAiDefaults(entry, workersAi) : entry,
  )
}

/** A Workers AI entry with the configured base, model and steps, unless it sets its own. */
export function withWorkersAiDefaults(
  entry: ProviderEntry,
  { apiBase, model, numSteps }: WorkersAiDefaults,
): ProviderEntry {
  return {
    ...entry,
    baseUrl: entry.baseUrl ?? apiBase,
    options: { model, numSteps, ...entry.options },
  }
}
