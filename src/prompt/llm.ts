import * as z from 'zod/mini'
import type { UpstreamFailure } from '../errors.ts'
import { abortOrNetworkError, callUpstream, upstreamError } from '../providers/http.ts'
import type { AiBinding } from '../providers/types.ts'
import { failureForStatus } from '../providers/upstream-errors.ts'

/**
 * The chat LLMs that translate and rewrite prompts: any OpenAI-compatible `chat/completions` API
 * (Flux-API-Worker's EXTERNAL_*, freefluxapi's Zhipu GLM), or a Workers AI text model through the
 * `AI` binding. Failures throw GatewayErrors built by `upstreamError`, whose `upstream.failure`
 * says what went wrong; messages never contain the key.
 */

/** Name used in error messages. */
export const LLM_NAME = 'prompt optimizer'

export type ChatMessage = { role: 'system' | 'user'; content: string }

export type CompleteOptions = { signal: AbortSignal; temperature: number }

/** One LLM the optimizer can ask. */
export interface PromptLlm {
  /** The model id, reported to clients as the prompt model (e.g. `glm-4-flash`). */
  readonly model: string
  /** The reply's text, as the model wrote it (think blocks and all). */
  complete(messages: ChatMessage[], options: CompleteOptions): Promise<string>
}

/**
 * The chat completions URL for a configured base. `external` follows Flux-API-Worker, which appends
 * `/v1/chat/completions`, but also accepts a base that already ends in a version (`/v1`, `/v4`,
 * `/v1beta`); `process` bases (Zhipu: `.../api/paas/v4`) always end in one. A full
 * `.../chat/completions` URL is used as given.
 */
export function chatCompletionsUrl(baseUrl: string, kind: 'external' | 'process'): string {
  const base = baseUrl.replace(/\/+$/, '')
  if (/\/chat\/completions$/.test(base)) return base
  if (kind === 'process' || /\/v\d+(?:alpha|beta)?\d*$/i.test(base)) {
    return `${base}/chat/completions`
  }
  return `${base}/v1/chat/completions`
}

/** The OpenAI chat completion reply; only what we read. */
const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.nullish(z.object({ content: z.nullish(z.string()) })),
        finish_reason: z.nullish(z.string()),
      }),
    )
    .check(z.minLength(1)),
})

/** OpenAI's and Zhipu's error body; Zhipu's code is a string such as "1301". */
const errorSchema = z.object({
  error: z.object({ code: z.nullish(z.union([z.string(), z.number()])) }),
})

/**
 * Zhipu GLM error codes (docs.bigmodel.cn/cn/api/api-code) and OpenAI's string codes that say
 * more than the HTTP status does. 1301: unsafe content; 1302/1303: concurrency or frequency
 * limit; 1304: daily quota; 1305/1312: model overloaded; 1113: account in arrears.
 */
const CODE_FAILURES: Record<string, UpstreamFailure> = {
  '1301': 'refused',
  '1302': 'rate-limited',
  '1303': 'rate-limited',
  '1304': 'rate-limited',
  '1305': 'rate-limited',
  '1312': 'rate-limited',
  '1113': 'rate-limited',
  content_policy_violation: 'refused',
  content_filter: 'refused',
  rate_limit_exceeded: 'rate-limited',
  insufficient_quota: 'rate-limited',
}

/** `sensitive` is GLM's content filter; `content_filter` is OpenAI's and Azure's. */
const REFUSED_FINISH = new Set(['sensitive', 'content_filter'])

/** An OpenAI-compatible chat API. `apiKey` may be empty for keyless local servers. */
export function openAiCompatibleLlm(options: {
  url: string
  model: string
  apiKey: string
  fetch: typeof fetch
}): PromptLlm {
  const { url, model, apiKey } = options
  return {
    model,
    async complete(messages, { signal, temperature }) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (apiKey) headers.authorization = `Bearer ${apiKey}`
      const response = await callUpstream(LLM_NAME, options.fetch, url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model, messages, temperature, stream: false }),
        signal,
      })
      if (!response.ok) {
        const body = await response.text().catch(() => '')
        throw httpError(response.status, body)
      }
      const parsed = completionSchema.safeParse(parseJson(await readText(response, signal)))
      if (!parsed.success) throw upstreamError(LLM_NAME, 'server', 'malformed reply')
      const choice = parsed.data.choices[0]!
      if (choice.finish_reason && REFUSED_FINISH.has(choice.finish_reason)) {
        throw upstreamError(LLM_NAME, 'refused', `content filtered (${choice.finish_reason})`)
      }
      return choice.message?.content ?? ''
    },
  }
}

/** The body, with a timeout or reset while reading it reported as such. */
async function readText(response: Response, signal: AbortSignal): Promise<string> {
  try {
    return await response.text()
  } catch (error) {
    throw abortOrNetworkError(LLM_NAME, signal, error)
  }
}

/** Parsed JSON, or undefined for anything else (a proxy's HTML page, a cut-off body). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function httpError(status: number, body: string) {
  const parsed = errorSchema.safeParse(parseJson(body))
  const code =
    parsed.success && parsed.data.error.code != null ? String(parsed.data.error.code) : undefined
  const failure = (code && CODE_FAILURES[code]) || failureForStatus(status)
  return upstreamError(LLM_NAME, failure, `HTTP ${status}${code ? `, code ${code}` : ''}`, {
    status,
  })
}

/** Workers AI text models answer `{response}`; newer ones (gpt-oss) answer OpenAI's shape. */
const workersAiSchema = z.union([
  z.pipe(
    z.object({ response: z.string() }),
    z.transform((reply) => reply.response),
  ),
  z.pipe(
    completionSchema,
    z.transform((reply) => reply.choices[0]?.message?.content ?? ''),
  ),
])

/** A Workers AI text model through the `AI` binding (no HTTP, no key). */
export function workersAiLlm(options: { binding: AiBinding; model: string }): PromptLlm {
  const { binding, model } = options
  return {
    model,
    async complete(messages, { signal, temperature }) {
      let reply: unknown
      try {
        // The binding takes no AbortSignal, so the wait is abandoned rather than cancelled.
        reply = await raceAbort(binding.run(model, { messages, temperature }), signal)
      } catch (error) {
        if (signal.aborted) throw abortOrNetworkError(LLM_NAME, signal, error)
        const text = error instanceof Error ? error.message : String(error)
        // Workers AI reports limits in the message: 3036 is the daily free allocation.
        const limited = /\b(429|3036|3040)\b|rate.?limit|capacity/i.test(text)
        throw upstreamError(LLM_NAME, limited ? 'rate-limited' : 'server', 'Workers AI failed', {
          cause: error,
        })
      }
      const parsed = workersAiSchema.safeParse(reply)
      if (!parsed.success) throw upstreamError(LLM_NAME, 'server', 'malformed reply')
      return parsed.data
    },
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
