import * as z from 'zod/mini'
import { callJson, upstreamError } from '../http.ts'
import { assertJobUrl, pollUntil } from '../poll.ts'
import type { CallContext } from '../types.ts'
import { quote } from '../upstream-errors.ts'
import { bflError } from './errors.ts'

/**
 * One BFL task: `POST {base}/v1/{endpoint}` answers `{id, polling_url}`; `GET polling_url` (with
 * the key) says `Pending` until `Ready`, whose `result.sample` is a signed URL valid for 10
 * minutes. `Request Moderated` and `Content Moderated` are refusals; `Error`, `Failed` and
 * `Task not found` are failures. BFL documents no cancel call, so an abandoned task just ends.
 */

const nonEmpty = z.string().check(z.minLength(1))
const submitted = z.object({ id: nonEmpty, polling_url: z.optional(nonEmpty) })

const polled = z.object({
  status: z.string(),
  result: z.catch(
    z.nullish(z.object({ sample: nonEmpty, seed: z.catch(z.optional(z.int()), undefined) })),
    undefined,
  ),
  progress: z.catch(z.nullish(z.number()), undefined),
  details: z.optional(z.unknown()),
})

const REFUSED = new Set(['Request Moderated', 'Content Moderated'])
const FAILED = new Set(['Error', 'Failed', 'Task not found'])

export type TaskCall = {
  provider: string
  /** `https://api.bfl.ai` or the entry's baseUrl. */
  baseUrl: string
  endpoint: string
  input: Record<string, unknown>
  intervalMs: number
  context: CallContext
}

/** Runs a task until it is Ready and returns its sample URL and seed. */
export async function runTask(call: TaskCall): Promise<{ url: string; seed?: number }> {
  const { provider, baseUrl, context } = call
  const { key } = context
  const http = { provider, fetch: context.fetch, signal: context.signal }
  const mapError = (response: Response, text: string) => bflError(provider, response, text, key)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (key) headers['x-key'] = key

  const task = await callJson(
    http,
    `${baseUrl}/v1/${call.endpoint}`,
    {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(call.input),
    },
    submitted,
    mapError,
  )
  const fallback = `${baseUrl}/v1/get_result?id=${encodeURIComponent(task.id)}`
  // Regional hosts (api.us1.bfl.ai) are fine; anyone else's host never sees the key.
  const pollingUrl = assertJobUrl(provider, task.polling_url ?? fallback, baseUrl).href

  let last = ''
  const report = (message: string) => {
    if (message !== last) context.onProgress?.(message)
    last = message
  }
  report(`${provider}: queued`)
  const done = await pollUntil(
    async () => {
      const state = await callJson(http, pollingUrl, { method: 'GET', headers }, polled, mapError)
      if (state.status === 'Ready' || REFUSED.has(state.status) || FAILED.has(state.status)) {
        return state
      }
      // `progress` is undocumented: read as a fraction, or as a percentage when above 1.
      const progress = state.progress ?? null
      const percent =
        progress === null ? null : Math.round(progress <= 1 ? progress * 100 : progress)
      report(
        state.status === 'Pending' && percent
          ? `${provider}: generating, ${percent}%`
          : `${provider}: generating`,
      )
      return undefined
    },
    { provider, signal: context.signal, intervalMs: call.intervalMs },
  )

  const details = describeDetails(done.details, key)
  if (REFUSED.has(done.status)) {
    throw upstreamError(provider, 'refused', `${done.status.toLowerCase()}${details}`)
  }
  if (done.status !== 'Ready' || !done.result) {
    throw upstreamError(provider, 'server', `the task ended with "${done.status}"${details}`)
  }
  return { url: done.result.sample, seed: done.result.seed }
}

/** `details` is free-form (`{"Moderation Reasons": ["..."]}`): quoted short, never trusted. */
function describeDetails(details: unknown, key: string | null): string {
  if (details === undefined || details === null) return ''
  const text = typeof details === 'string' ? details : JSON.stringify(details)
  return text && text !== '{}' ? `: ${quote(text, [key])}` : ''
}
