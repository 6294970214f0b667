import type * as z from 'zod/mini'
import type { LlmEndpoint } from '../config.ts'
import { flag, int, list, optionalText, optionalUrl, textOr, url } from './values.ts'

/**
 * The names of the two Worker scripts fluxgate replaces, "Flux-API-Worker" and "freefluxapi",
 * turned into fluxgate's own settings: a person moving over changes nothing but the code. This is
 * the one file that knows those names; the rest of the configuration reads generic settings.
 */

/** Their variables, read alongside fluxgate's own so that every bad value is reported at once. */
export const legacyVariables = {
  // Flux-API-Worker
  API_KEY: list,
  CF_ACCOUNT_ID: optionalText,
  CF_API_TOKEN: optionalText,
  FLUX_MODEL: textOr('@cf/black-forest-labs/flux-1-schnell'),
  FLUX_NUM_STEPS: int(4, 1, 50),
  IMAGE_EXPIRATION: int(1800, 1, 365 * 24 * 3600),
  PROMPT_OPTIMIZATION: flag(false),
  EXTERNAL_API_BASE: optionalUrl,
  EXTERNAL_MODEL: optionalText,
  EXTERNAL_API_KEY: optionalText,
  SYSTEM_MESSAGE: optionalText,
  // freefluxapi, with the base and model it hard-coded made overridable
  IMAGE_API_KEYS: list,
  PROCESS_API_KEY: optionalText,
  PROCESS_API_BASE: url('https://open.bigmodel.cn/api/paas/v4'),
  PROCESS_MODEL: textOr('glm-4-flash'),
}

/** The KV bindings that held their images (Flux-API-Worker's, then freefluxapi's). */
export const LEGACY_KV_BINDINGS = ['FLUX_CF_KV', 'FLUX_API'] as const

export type LegacyValues = z.infer<z.ZodMiniObject<typeof legacyVariables>>

/** What the legacy variables mean in fluxgate's terms. */
export type LegacySettings = {
  clientKeys: string[]
  /** Workers AI REST accounts as `accountId:token`. */
  workersAiAccounts: string[]
  siliconflowKeys: string[]
  /** The Workers AI model (also the default model) and the few-step models' step count. */
  workersAi: { model: string; numSteps: number }
  imageExpirationSeconds: number
  promptOptimization: boolean
  /** Prompt LLMs, Flux-API-Worker's OpenAI-compatible one first, then freefluxapi's GLM. */
  optimizer: {
    external: LlmEndpoint | undefined
    process: LlmEndpoint | undefined
    systemMessage: string | undefined
  }
}

export function fromLegacy(values: LegacyValues): LegacySettings {
  const account = values.CF_ACCOUNT_ID && values.CF_API_TOKEN
  return {
    clientKeys: values.API_KEY,
    workersAiAccounts: account ? [`${values.CF_ACCOUNT_ID}:${values.CF_API_TOKEN}`] : [],
    siliconflowKeys: values.IMAGE_API_KEYS,
    workersAi: { model: values.FLUX_MODEL, numSteps: values.FLUX_NUM_STEPS },
    imageExpirationSeconds: values.IMAGE_EXPIRATION,
    promptOptimization: values.PROMPT_OPTIMIZATION,
    optimizer: {
      external: values.EXTERNAL_API_BASE
        ? {
            baseUrl: values.EXTERNAL_API_BASE,
            // legacyProblems requires it with EXTERNAL_API_BASE
            model: values.EXTERNAL_MODEL!,
            apiKey: values.EXTERNAL_API_KEY ?? '',
          }
        : undefined,
      process: values.PROCESS_API_KEY
        ? {
            baseUrl: values.PROCESS_API_BASE,
            model: values.PROCESS_MODEL,
            apiKey: values.PROCESS_API_KEY,
          }
        : undefined,
      systemMessage: values.SYSTEM_MESSAGE,
    },
  }
}

/**
 * Variables that only work together. One of the account pair without the other would leave
 * Workers AI silently unconfigured; a base without a model cannot be called.
 */
export function legacyProblems(isSet: (name: keyof LegacyValues) => boolean): string[] {
  const problems: string[] = []
  if (isSet('CF_ACCOUNT_ID') && !isSet('CF_API_TOKEN')) {
    problems.push('CF_API_TOKEN: required with CF_ACCOUNT_ID')
  }
  if (isSet('CF_API_TOKEN') && !isSet('CF_ACCOUNT_ID')) {
    problems.push('CF_ACCOUNT_ID: required with CF_API_TOKEN')
  }
  if (isSet('EXTERNAL_API_BASE') && !isSet('EXTERNAL_MODEL')) {
    problems.push('EXTERNAL_MODEL: required when EXTERNAL_API_BASE is set')
  }
  return problems
}
