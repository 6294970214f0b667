import * as z from 'zod/mini'
import { callJson, upstreamError } from '../http.ts'
import { assertJobUrl, cancelQuietly, pollUntil } from '../poll.ts'
import type { CallContext } from '../types.ts'
import { predictionError, replicateError } from './errors.ts'

/**
 * One Replicate prediction: `POST {base}/models/{owner}/{name}/predictions` with `Prefer: wait`
 * holds the request until the prediction ends or 60 s pass; if it is still `starting` or
 * `processing` then, `GET urls.get` until it is `succeeded`, `failed`, `canceled` or `aborted`.
 * A prediction we leave unfinished is cancelled through `POST urls.cancel`, so it stops billing.
 */

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'aborted'])

const prediction = z.object({
  id: z.string().check(z.minLength(1)),
  status: z.string(),
  // An array of file URLs (schnell, dev) or a single URL (1.1 pro).
  output: z.catch(z.nullish(z.union([z.string(), z.array(z.string())])), undefined),
  error: z.optional(z.unknown()),
  logs: z.catch(z.nullish(z.string()), undefined),
  urls: z.catch(
    z.optional(z.object({ get: z.optional(z.string()), cancel: z.optional(z.string()) })),
    undefined,
  ),
})
type Prediction = z.infer<typeof prediction>

export type PredictionCall = {
  provider: string
  /** `https://api.replicate.com/v1` or the entry's baseUrl. */
  baseUrl: string
  model: string
  input: Record<string, unknown>
  intervalMs: number
  context: CallContext
}

/** What a succeeded prediction produced. */
export type PredictionResult = { urls: string[]; seed?: number }

/** Runs a prediction to its end; throws a mapped GatewayError unless it succeeded. */
export async function runPrediction(call: PredictionCall): Promise<PredictionResult> {
  const { provider, baseUrl, context } = call
  const { key } = context
  const http = { provider, fetch: context.fetch, signal: context.signal }
  const mapError = (response: Response, text: string) =>
    replicateError(provider, response, text, key)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (key) headers.authorization = `Bearer ${key}`

  let state: Prediction = await callJson(
    http,
    `${baseUrl}/models/${call.model}/predictions`,
    {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', prefer: 'wait' },
      body: JSON.stringify({ input: call.input }),
    },
    prediction,
    mapError,
  )
  const own = `${baseUrl}/predictions/${encodeURIComponent(state.id)}`
  const getUrl = assertJobUrl(provider, state.urls?.get ?? own, baseUrl).href
  const cancelUrl = assertJobUrl(provider, state.urls?.cancel ?? `${own}/cancel`, baseUrl).href

  let last = ''
  const report = (status: string) => {
    const message =
      status === 'starting'
        ? `${provider}: starting (queued or booting)`
        : `${provider}: ${status === 'processing' ? 'generating' : status}`
    if (message !== last) context.onProgress?.(message)
    last = message
  }
  try {
    if (!TERMINAL.has(state.status)) {
      report(state.status)
      state = await pollUntil(
        async () => {
          const next = await callJson(
            http,
            getUrl,
            { method: 'GET', headers },
            prediction,
            mapError,
          )
          if (TERMINAL.has(next.status)) return next
          report(next.status)
          return undefined
        },
        { provider, signal: context.signal, intervalMs: call.intervalMs },
      )
    }
  } finally {
    if (!TERMINAL.has(state.status)) {
      await cancelQuietly(context.fetch, cancelUrl, { method: 'POST', headers })
    }
  }

  if (state.status !== 'succeeded') {
    const error = typeof state.error === 'string' ? state.error : undefined
    throw predictionError(provider, state.status, error, key)
  }
  const output = state.output ?? []
  const urls = typeof output === 'string' ? [output] : output
  if (urls.length === 0) {
    // cog-flux drops flagged images from the output and says so in the logs.
    if (/nsfw/i.test(state.logs ?? '')) {
      throw upstreamError(provider, 'refused', 'the safety checker flagged every image (NSFW)')
    }
    throw upstreamError(provider, 'server', 'the prediction succeeded without an image')
  }
  const seed = /Using seed: (\d+)/.exec(state.logs ?? '')?.[1]
  return { urls, seed: seed === undefined ? undefined : Number(seed) }
}
