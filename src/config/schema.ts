import * as z from 'zod/mini'
import { flag, int, list, optionalText, optionalUrl, readText, refuse, textOr } from './values.ts'

/** fluxgate's own variables that are not about providers (those are in providers.ts). */

export const REPLY_LANGUAGES = ['en', 'zh-CN', 'zh-TW', 'ja', 'es', 'fr', 'ru', 'de'] as const
export type ReplyLanguage = (typeof REPLY_LANGUAGES)[number]

const rateLimit = readText((value, ctx) => {
  if (value === undefined || value === '') return { limit: 5, windowSeconds: 120 }
  if (value === '0' || value.toLowerCase() === 'off') return null
  const match = /^(\d+)\s*\/\s*(\d+)\s*(s|m|h)?$/i.exec(value)
  const unit = { s: 1, m: 60, h: 3600 }[(match?.[3] ?? 's').toLowerCase() as 's' | 'm' | 'h']
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    refuse(ctx, `expected "N/Ts" like "5/120s", or 0 for off`)
    return z.NEVER
  }
  return { limit: Number(match[1]), windowSeconds: Number(match[2]) * unit }
})

const replyLanguage = readText((value, ctx): ReplyLanguage => {
  if (!value) return 'en'
  // Flux-API-Worker spelled the Chinese scripts zh-cn and zh-hant: accept those, in any case.
  const wanted = value
    .toLowerCase()
    .replace(/^zh-hant$/, 'zh-tw')
    .replace(/^zh-hans$/, 'zh-cn')
  const found = REPLY_LANGUAGES.find((language) => language.toLowerCase() === wanted)
  if (found) return found
  refuse(ctx, `expected one of ${REPLY_LANGUAGES.join(', ')}`)
  return z.NEVER
})

/** An enum whose absence means its first value. */
const choice = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.pipe(
    z.optional(z.enum(values)),
    z.transform((value): T[number] => value ?? values[0]),
  )

export const generalVariables = {
  API_KEYS: list,
  DIRECT_API_ACCESS: z.optional(z.enum(['public', 'key'])),
  RATE_LIMIT: rateLimit,
  CORS_ORIGINS: list,
  DEFAULT_MODEL: optionalText,
  OPTIMIZER_MODEL: textOr('@cf/meta/llama-3.1-8b-instruct-fast'),
  OPTIMIZER_TIMEOUT: int(15, 1, 120),
  TRANSLATE_PROMPTS: flag(true),
  REQUEST_TIMEOUT: int(90, 1, 3600),
  UPSTREAM_TIMEOUT: int(60, 1, 3600),
  REPLY_LANGUAGE: replyLanguage,
  CHAT_IMAGE_FORMAT: choice(['url', 'data_uri']),
  MAX_BODY_BYTES: int(1_048_576, 1024, 100 * 1_048_576),
  MAX_UPSTREAM_BYTES: int(64 * 1_048_576, 1024, 1024 * 1_048_576),
  STORAGE: choice(['fs', 'memory', 'redis']),
  DATA_DIR: textOr('./data'),
  REDIS_URL: optionalText,
  MEMORY_STORE_MAX_BYTES: int(256 * 1_048_576, 1_048_576, 64 * 1024 * 1_048_576),
  PORT: int(8787, 0, 65535),
  MAX_CONNECTIONS: int(1024, 1, 1_000_000),
  HOST: textOr('127.0.0.1'),
  PUBLIC_URL: optionalUrl,
  TRUST_PROXY: flag(false),
  LOG_PROMPTS: flag(false),
}
