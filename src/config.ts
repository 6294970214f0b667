import * as z from 'zod/mini'
import { fromLegacy, legacyProblems, legacyVariables } from './config/legacy.ts'
import { type ProviderEntry, providerEntries, providerVariables } from './config/providers.ts'
import { generalVariables, type ReplyLanguage } from './config/schema.ts'
import { englishIssues } from './issue-messages.ts'

/**
 * Configuration from environment variables. Pure: the runtimes pass in `process.env` or the
 * Worker's `env`; only string values are read (bindings are objects). Every bad variable is
 * reported at once in one ConfigError, so a person fixes them in one go.
 */

export type { ProviderEntry } from './config/providers.ts'
export type { ReplyLanguage } from './config/schema.ts'

export type LlmEndpoint = { baseUrl: string; model: string; apiKey: string }

export type Config = {
  clientKeys: string[]
  directApiAccess: 'public' | 'key'
  /** Per-IP limit on public generation; null when off. */
  rateLimit: { limit: number; windowSeconds: number } | null
  corsOrigins: string[]
  providers: ProviderEntry[]
  /** What every Workers AI entry starts from, the `AI` binding's included. */
  workersAi: { apiBase: string; model: string; numSteps: number }
  defaultModel: string | undefined
  promptOptimization: boolean
  translatePrompts: boolean
  /** Prompt LLMs in order of preference: an OpenAI-compatible API, then Zhipu GLM. */
  optimizer: {
    external: LlmEndpoint | undefined
    process: LlmEndpoint | undefined
    workersAiModel: string
    systemMessage: string | undefined
    timeoutMs: number
  }
  imageExpirationSeconds: number
  requestTimeoutMs: number
  upstreamTimeoutMs: number
  replyLanguage: ReplyLanguage
  chatImageFormat: 'url' | 'data_uri'
  maxBodyBytes: number
  /** Largest reply body read from an upstream; a base64 FLUX.2 PNG fits the default. */
  maxUpstreamBytes: number
  storage: {
    kind: 'fs' | 'memory' | 'redis'
    dataDir: string
    redisUrl: string | undefined
    /** STORAGE=memory evicts its oldest images past this many bytes. */
    memoryMaxBytes: number
  }
  port: number
  host: string
  /** Open connections the Node listener accepts; more are closed at once. */
  maxConnections: number
  publicUrl: string | undefined
  trustProxy: boolean
  logPrompts: boolean
}

export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

const schema = z.object({ ...generalVariables, ...providerVariables, ...legacyVariables })

/** Reads the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, unknown>): Config {
  const strings = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
  const result = schema.safeParse(strings, { error: englishIssues })
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${String(issue.path[0] ?? '?')}: ${issue.message}`)
  // Checks across variables read the raw strings, so they are reported together with the rest.
  const isSet = (name: string) => Boolean(strings[name]?.trim())
  if (strings.STORAGE?.trim() === 'redis' && !isSet('REDIS_URL')) {
    problems.push('REDIS_URL: required when STORAGE=redis')
  }
  problems.push(...legacyProblems(isSet))
  if (result.success && result.data.UPSTREAM_TIMEOUT > result.data.REQUEST_TIMEOUT) {
    problems.push('UPSTREAM_TIMEOUT: must not exceed REQUEST_TIMEOUT')
  }
  if (!result.success || problems.length) throw new ConfigError(problems)
  const e = result.data
  const legacy = fromLegacy(e)

  const clientKeys = [...new Set([...legacy.clientKeys, ...e.API_KEYS])]
  const workersAi = { apiBase: e.CF_API_BASE, ...legacy.workersAi }
  return {
    clientKeys,
    directApiAccess: e.DIRECT_API_ACCESS ?? (clientKeys.length ? 'key' : 'public'),
    rateLimit: e.RATE_LIMIT,
    corsOrigins: e.CORS_ORIGINS.length ? e.CORS_ORIGINS : ['*'],
    providers: providerEntries(e, legacy, workersAi),
    workersAi,
    defaultModel: e.DEFAULT_MODEL,
    promptOptimization: legacy.promptOptimization,
    translatePrompts: e.TRANSLATE_PROMPTS,
    optimizer: {
      ...legacy.optimizer,
      workersAiModel: e.OPTIMIZER_MODEL,
      timeoutMs: e.OPTIMIZER_TIMEOUT * 1000,
    },
    imageExpirationSeconds: legacy.imageExpirationSeconds,
    requestTimeoutMs: e.REQUEST_TIMEOUT * 1000,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT * 1000,
    replyLanguage: e.REPLY_LANGUAGE,
    chatImageFormat: e.CHAT_IMAGE_FORMAT,
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxUpstreamBytes: e.MAX_UPSTREAM_BYTES,
    storage: {
      kind: e.STORAGE,
      dataDir: e.DATA_DIR,
      redisUrl: e.REDIS_URL,
      memoryMaxBytes: e.MEMORY_STORE_MAX_BYTES,
    },
    port: e.PORT,
    host: e.HOST,
    maxConnections: e.MAX_CONNECTIONS,
    publicUrl: e.PUBLIC_URL,
    trustProxy: e.TRUST_PROXY,
    logPrompts: e.LOG_PROMPTS,
  }
}

/** Every credential in the configuration, for masking in text an upstream sends back. */
export function configuredSecrets(config: Config): string[] {
  const llms = [config.optimizer.external, config.optimizer.process]
  return [
    ...config.providers.flatMap((entry) => entry.keys),
    ...config.clientKeys,
    ...llms.flatMap((llm) => (llm?.apiKey ? [llm.apiKey] : [])),
  ]
}
