import * as z from 'zod/mini'
import { callJson } from '../http.ts'
import { assertJobUrl, cancelQuietly, pollUntil } from '../poll.ts'
import type { CallContext } from '../types.ts'
import { falError } from './errors.ts'

/**
 * fal's queue (fal-js `libs/client/src/queue.ts`): `POST {queue}/{endpoint}` answers at once
 * with `{status: "IN_QUEUE", request_id, response_url, status_url, cancel_url, queue_position}`;
 * `GET status_url` says IN_QUEUE (with a position), IN_PROGRESS or COMPLETED; `GET response_url`
 * then holds the endpoint's output, or its error. `PUT cancel_url` stops a job we leave behind.
 * The returned URLs are used as given (their path is `owner/alias`, not the endpoint's sub-path).
 */

const nonEmpty = z.string().check(z.minLength(1))
const submitted = z.object({
  request_id: nonEmpty,
  status_url: z.optional(nonEmpty),
  response_url: z.optional(nonEmpty),
  cancel_url: z.optional(nonEmpty),
  queue_position: z.nullish(z.int()),
})

const queueStatus = z.object({
  status: z.string(),
  queue_position: z.nullish(z.int()),
})

export type QueueCall = {
  provider: string
  /** The queue's base, `https://queue.fal.run` or the entry's baseUrl. */
  baseUrl: string
  endpoint: string
  input: Record<string, unknown>
  key: string | null
  intervalMs: number
  context: CallContext
}

/** Runs one queued request to completion and returns the endpoint's output JSON. */
export async function runQueued(call: QueueCall): Promise<unknown> {
  const { provider, baseUrl, endpoint, key, context } = call
  const http = { provider, fetch: context.fetch, signal: context.signal }
  const mapError = (response: Response, text: string) => falError(provider, response, text, key)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (key) headers.authorization = `Key ${key}`

  const job = await callJson(
    http,
    `${baseUrl}/${endpoint}`,
    {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(call.input),
    },
    submitted,
    mapError,
  )
  // Without the returned URLs, build them as fal-js does: `owner/alias/requests/{id}`.
  const jobBase = `${baseUrl}/${endpoint.split('/').slice(0, 2).join('/')}/requests/${job.request_id}`
  const statusUrl = assertJobUrl(provider, job.status_url ?? `${jobBase}/status`, baseUrl).href
  const responseUrl = assertJobUrl(provider, job.response_url ?? jobBase, baseUrl).href
  const cancelUrl = assertJobUrl(provider, job.cancel_url ?? `${jobBase}/cancel`, baseUrl).href

  let last = ''
  const report = (status: string, position: number | null | undefined) => {
    const message =
      status === 'IN_QUEUE'
        ? `${provider}: queued${typeof position === 'number' ? ` at position ${position}` : ''}`
        : status === 'IN_PROGRESS'
          ? `${provider}: generating`
          : `${provider}: ${status.toLowerCase()}`
    // Only changes reach the client: a chat stream shows every message as a line.
    if (message !== last) context.onProgress?.(message)
    last = message
  }
  report('IN_QUEUE', job.queue_position)

  let completed = false
  try {
    await pollUntil(
      async () => {
        const state = await callJson(
          http,
          statusUrl,
          { method: 'GET', headers },
          queueStatus,
          mapError,
        )
        if (state.status === 'COMPLETED') return true
        // IN_QUEUE, IN_PROGRESS, or a state fal adds later: keep waiting within the deadline.
        report(state.status, state.queue_position)
        return undefined
      },
      { provider, signal: context.signal, intervalMs: call.intervalMs },
    )
    completed = true
    // A failed job is COMPLETED too: its result URL answers with the error status and body.
    return await callJson(http, responseUrl, { method: 'GET', headers }, z.unknown(), mapError)
  } finally {
    if (!completed) await cancelQuietly(context.fetch, cancelUrl, { method: 'PUT', headers })
  }
}
