import * as z from 'zod'
import { providerModules, providerTypes } from './providers/index.ts'

/**
 * Configuration from environment variables (SPEC section 11). Pure: the runtimes pass in
 * `process.env` or the Worker's `env`; only string values are read (bindings are objects).
 * Every bad variable is reported at once in one ConfigError, so a person fixes them in one go.
 */

const REPLY_LANGUAGES = ['en', 'zh-CN', 'zh-TW', 'ja', 'es', 'fr', 'ru', 'de'] as const
export type ReplyLanguage = (typeof REPLY_LANGUAGES)[number]

/** One upstream provider and its keys, from the seeds' variables or `PROVIDERS`. */
export type ProviderEntry = {
  type: string
  /** Credentials; one target per key. Empty for keyless backends (demo, self-hosted). */
  keys: string[]
  baseUrl?: string
  /** Upstream model ids to serve; the provider's full catalogue when absent. */
  models?: string[]
  /** Higher is tried first. Default 0. */
  priority: number
  /** Share of traffic among targets of equal priority. Default 1. */
  weight: number
  /** Provider-specific settings (e.g. a ComfyUI workflow, Workers AI step count). */
  options: Record<string, unknown>
}

export type LlmEndpoint = { baseUrl: string; model: string; apiKey: string }

export type Config = {
  clientKeys: string[]
  directApiAccess: 'public' | 'key'
  /** Per-IP limit on public generation; null when off. */
  rateLimit: { limit: number; windowSeconds: number } | null
  corsOrigins: string[]
  providers: ProviderEntry[]
  workersAi: { apiBase: string; model: string; numSteps: number }
  defaultModel: string | undefined
  promptOptimization: boolean
  translatePrompts: boolean
  /** Seed 000's optimizer (EXTERNAL_*), then seed 004's (PROCESS_*), in that order of preference. */
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
  storage: { kind: 'fs' | 'memory' | 'redis'; dataDir: string; redisUrl: string | undefined }
  port: number
  host: string
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

const text = z.string().trim()
const optionalText = text.optional().transform((value) => value || undefined)
const list = text.optional().transform((value) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)
const flag = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value, ctx) => {
      if (!value) return fallback
      if (['true', '1', 'yes', 'on'].includes(value)) return true
      if (['false', '0', 'no', 'off'].includes(value)) return false
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${value}"` })
      return z.NEVER
    })
const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return fallback
      // Number() alone would accept '', '0x10' and '1e3'; a person writes plain digits.
      const number = /^-?\d+$/.test(value) ? Number(value) : Number.NaN
      if (number >= min && number <= max) return number
      ctx.addIssue({
        code: 'custom',
        message: `expected a whole number from ${min} to ${max}, got "${value}"`,
      })
      return z.NEVER
    })
const url = (fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value || fallback).replace(/\/+$/, ''))
    .pipe(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }))
const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((value) => value?.replace(/\/+$/, '') || undefined)
  .pipe(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional())

const rateLimit = text.optional().transform((value, ctx) => {
  if (value === undefined || value === '') return { limit: 5, windowSeconds: 120 }
  if (value === '0' || value.toLowerCase() === 'off') return null
  const match = /^(\d+)\s*\/\s*(\d+)\s*(s|m|h)?$/i.exec(value)
  const unit = { s: 1, m: 60, h: 3600 }[(match?.[3] ?? 's').toLowerCase() as 's' | 'm' | 'h']
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    ctx.addIssue({ code: 'custom', message: `expected "N/Ts" like "5/120s", or 0 for off` })
    return z.NEVER
  }
  return { limit: Number(match[1]), windowSeconds: Number(match[2]) * unit }
})

const providerEntry = z.object({
  type: z.enum(providerTypes as [string, ...string[]], {
    error: (issue) =>
      `type${issue.input === undefined ? '' : ` ${JSON.stringify(issue.input)}`} must be one of: ${providerTypes.join(', ')}`,
  }),
  keys: z.union([z.string().transform((key) => [key]), z.array(z.string().min(1))]).default([]),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  models: z.array(z.string().min(1)).optional(),
  priority: z.number().int().default(0),
  weight: z.number().positive().default(1),
  options: z.record(z.string(), z.unknown()).default({}),
})

const providersJson = text.optional().transform((value, ctx) => {
  if (!value) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a JSON array of {type, keys, ...}' })
    return z.NEVER
  }
  const result = z.array(providerEntry).safeParse(parsed)
  if (!result.success) {
    for (const issue of result.error.issues) {
      ctx.addIssue({ code: 'custom', message: `entry ${issue.path.join('.')}: ${issue.message}` })
    }
    return z.NEVER
  }
  // A keyed type with no key would call its API anonymously on every request and fail each time.
  const missing = result.data.flatMap((entry, index) =>
    entry.keys.length || providerModules[entry.type]?.keyless
      ? []
      : [`entry ${index} (${entry.type}) needs "keys"`],
  )
  for (const message of missing) ctx.addIssue({ code: 'custom', message })
  if (missing.length) return z.NEVER
  return result.data.map(({ baseUrl, ...entry }) => ({
    ...entry,
    baseUrl: baseUrl?.replace(/\/+$/, ''),
  }))
})

const schema = z.object({
  API_KEY: list,
  API_KEYS: list,
  DIRECT_API_ACCESS: z.enum(['public', 'key']).optional(),
  RATE_LIMIT: rateLimit,
  CORS_ORIGINS: list,
  CF_ACCOUNT_ID: optionalText,
  CF_API_TOKEN: optionalText,
  CF_ACCOUNTS: list.pipe(
    z.array(z.string().regex(/^[^:\s]+:\S+$/, 'expected "accountId:token,accountId:token"')),
  ),
  CF_API_BASE: url('https://api.cloudflare.com/client/v4'),
  FLUX_MODEL: text.optional().transform((value) => value || '@cf/black-forest-labs/flux-1-schnell'),
  FLUX_NUM_STEPS: int(4, 1, 50),
  IMAGE_API_KEYS: list,
  SILICONFLOW_API_KEYS: list,
  SILICONFLOW_API_BASE: url('https://api.siliconflow.cn/v1'),
  SILICONFLOW_MODEL: text.optional().transform((v) => v || 'black-forest-labs/FLUX.1-schnell'),
  PROVIDERS: providersJson,
  DEFAULT_MODEL: optionalText,
  PROMPT_OPTIMIZATION: flag(false),
  EXTERNAL_API_BASE: optionalUrl,
  EXTERNAL_MODEL: optionalText,
  EXTERNAL_API_KEY: optionalText,
  SYSTEM_MESSAGE: optionalText,
  PROCESS_API_KEY: optionalText,
  PROCESS_API_BASE: url('https://open.bigmodel.cn/api/paas/v4'),
  PROCESS_MODEL: text.optional().transform((value) => value || 'glm-4-flash'),
  OPTIMIZER_MODEL: text.optional().transform((v) => v || '@cf/meta/llama-3.1-8b-instruct-fast'),
  OPTIMIZER_TIMEOUT: int(15, 1, 120),
  TRANSLATE_PROMPTS: flag(true),
  IMAGE_EXPIRATION: int(1800, 60, 365 * 24 * 3600),
  REQUEST_TIMEOUT: int(90, 1, 3600),
  UPSTREAM_TIMEOUT: int(60, 1, 3600),
  REPLY_LANGUAGE: text.optional().transform((value, ctx): ReplyLanguage => {
    if (!value) return 'en'
    // Seed 000 named its scripts zh-cn and zh-hant: accept those spellings, in any case.
    const wanted = value
      .toLowerCase()
      .replace(/^zh-hant$/, 'zh-tw')
      .replace(/^zh-hans$/, 'zh-cn')
    const found = REPLY_LANGUAGES.find((language) => language.toLowerCase() === wanted)
    if (found) return found
    ctx.addIssue({ code: 'custom', message: `expected one of ${REPLY_LANGUAGES.join(', ')}` })
    return z.NEVER
  }),
  CHAT_IMAGE_FORMAT: z
    .enum(['url', 'data_uri'])
    .optional()
    .transform((value) => value ?? 'url'),
  MAX_BODY_BYTES: int(1_048_576, 1024, 100 * 1_048_576),
  STORAGE: z
    .enum(['fs', 'memory', 'redis'])
    .optional()
    .transform((value) => value ?? 'fs'),
  DATA_DIR: text.optional().transform((value) => value || './data'),
  REDIS_URL: optionalText,
  PORT: int(8787, 0, 65535),
  HOST: text.optional().transform((value) => value || '127.0.0.1'),
  PUBLIC_URL: optionalUrl,
  TRUST_PROXY: flag(false),
  LOG_PROMPTS: flag(false),
})

/** Reads the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, unknown>): Config {
  const strings = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
  const result = schema.safeParse(strings)
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${String(issue.path[0] ?? '?')}: ${issue.message}`)
  // Checks across variables read the raw strings, so they are reported together with the rest.
  const set = (name: string) => Boolean(strings[name]?.trim())
  if (strings.STORAGE?.trim() === 'redis' && !set('REDIS_URL')) {
    problems.push('REDIS_URL: required when STORAGE=redis')
  }
  // Seed 000's pair: one without the other would silently leave Workers AI unconfigured.
  if (set('CF_ACCOUNT_ID') && !set('CF_API_TOKEN')) {
    problems.push('CF_API_TOKEN: required with CF_ACCOUNT_ID')
  }
  if (set('CF_API_TOKEN') && !set('CF_ACCOUNT_ID')) {
    problems.push('CF_ACCOUNT_ID: required with CF_API_TOKEN')
  }
  if (set('EXTERNAL_API_BASE') && !set('EXTERNAL_MODEL')) {
    problems.push('EXTERNAL_MODEL: required when EXTERNAL_API_BASE is set')
  }
  if (result.success && result.data.UPSTREAM_TIMEOUT > result.data.REQUEST_TIMEOUT) {
    problems.push('UPSTREAM_TIMEOUT: must not exceed REQUEST_TIMEOUT')
  }
  if (!result.success || problems.length) throw new ConfigError(problems)
  const e = result.data

  const clientKeys = [...new Set([...e.API_KEY, ...e.API_KEYS])]
  return {
    clientKeys,
    directApiAccess: e.DIRECT_API_ACCESS ?? (clientKeys.length ? 'key' : 'public'),
    rateLimit: e.RATE_LIMIT,
    corsOrigins: e.CORS_ORIGINS.length ? e.CORS_ORIGINS : ['*'],
    providers: [...seedProviders(e), ...e.PROVIDERS],
    workersAi: { apiBase: e.CF_API_BASE, model: e.FLUX_MODEL, numSteps: e.FLUX_NUM_STEPS },
    defaultModel: e.DEFAULT_MODEL,
    promptOptimization: e.PROMPT_OPTIMIZATION,
    translatePrompts: e.TRANSLATE_PROMPTS,
    optimizer: {
      external: e.EXTERNAL_API_BASE
        ? {
            baseUrl: e.EXTERNAL_API_BASE,
            model: e.EXTERNAL_MODEL!,
            apiKey: e.EXTERNAL_API_KEY ?? '',
          }
        : undefined,
      process: e.PROCESS_API_KEY
        ? { baseUrl: e.PROCESS_API_BASE, model: e.PROCESS_MODEL, apiKey: e.PROCESS_API_KEY }
        : undefined,
      workersAiModel: e.OPTIMIZER_MODEL,
      systemMessage: e.SYSTEM_MESSAGE,
      timeoutMs: e.OPTIMIZER_TIMEOUT * 1000,
    },
    imageExpirationSeconds: e.IMAGE_EXPIRATION,
    requestTimeoutMs: e.REQUEST_TIMEOUT * 1000,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT * 1000,
    replyLanguage: e.REPLY_LANGUAGE,
    chatImageFormat: e.CHAT_IMAGE_FORMAT,
    maxBodyBytes: e.MAX_BODY_BYTES,
    storage: { kind: e.STORAGE, dataDir: e.DATA_DIR, redisUrl: e.REDIS_URL },
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    trustProxy: e.TRUST_PROXY,
    logPrompts: e.LOG_PROMPTS,
  }
}

/** The seeds' own variables, turned into provider entries. */
function seedProviders(e: z.infer<typeof schema>): ProviderEntry[] {
  const entries: ProviderEntry[] = []
  const cfKeys = [...e.CF_ACCOUNTS]
  if (e.CF_ACCOUNT_ID && e.CF_API_TOKEN) cfKeys.unshift(`${e.CF_ACCOUNT_ID}:${e.CF_API_TOKEN}`)
  if (cfKeys.length) {
    entries.push({
      type: 'workers-ai',
      keys: [...new Set(cfKeys)],
      baseUrl: e.CF_API_BASE,
      priority: 0,
      weight: 1,
      options: {},
    })
  }
  const siliconflowKeys = [...new Set([...e.IMAGE_API_KEYS, ...e.SILICONFLOW_API_KEYS])]
  if (siliconflowKeys.length) {
    entries.push({
      type: 'siliconflow',
      keys: siliconflowKeys,
      baseUrl: e.SILICONFLOW_API_BASE,
      models: [e.SILICONFLOW_MODEL],
      priority: 0,
      weight: 1,
      options: {},
    })
  }
  return entries
}
