import * as z from 'zod/mini'
import type { GatewayError } from '../../errors.ts'
import { withTimeout } from '../../http/deadline.ts'
import { downloadImage } from '../download.ts'
import { abortOrNetworkError, callUpstream, readJson, upstreamError } from '../http.ts'
import { CANCEL_TIMEOUT_MS, cancelQuietly, pollUntil } from '../poll.ts'
import type { GeneratedImage } from '../types.ts'
import { comfyReplyError, comfyRunError } from './errors.ts'
import type { Workflow } from './workflow.ts'

/**
 * ComfyUI's HTTP API (its server.py): `POST /prompt` queues a
 * graph, `GET /history/{id}` is `{}` until it has run, `GET /view` serves the saved file, and
 * `POST /queue` / `POST /interrupt` cancel it. Polling rather than the WebSocket keeps this
 * plain fetch, the same on Workers and Node.
 */

/** One call's connection to a ComfyUI server. */
export type ComfyConnection = {
  provider: string
  baseUrl: string
  /** Optional bearer token, for a ComfyUI behind an authenticating proxy. */
  key: string | null
  signal: AbortSignal
  fetch: typeof fetch
}

/** A file a node saved, as /history lists it and /view takes it. */
export type ImageRef = { filename: string; subfolder: string; type: string }

const nonEmpty = z.string().check(z.minLength(1))
const queued = z.object({ prompt_id: nonEmpty, number: z.optional(z.number()) })
const imageRef = z.object({
  filename: nonEmpty,
  subfolder: z._default(z.string(), ''),
  type: z._default(z.string(), 'output'),
})
/**
 * A status message, `[type, data]`: the check z.tuple would make, written out because z.tuple,
 * used nowhere else, costs the Worker bundle about 0.5 kB gzipped.
 */
const statusMessage = z.custom<[string, unknown]>(
  (value) => Array.isArray(value) && value.length === 2 && typeof value[0] === 'string',
)
const historyEntry = z.object({
  outputs: z.record(z.string(), z.looseObject({ images: z.optional(z.array(z.unknown())) })),
  // Absent on old servers, where an entry in the history means the prompt finished.
  status: z.optional(
    z.looseObject({
      status_str: z.optional(z.string()),
      completed: z.optional(z.boolean()),
      messages: z.optional(z.array(statusMessage)),
    }),
  ),
})
export type HistoryEntry = z.infer<typeof historyEntry>
const queue = z.object({ queue_running: z.array(z.array(z.unknown())) })

/** The headers of a call: JSON or not, and the bearer token when the entry has one. */
export const headers = (key: string | null, json = true): Record<string, string> => ({
  ...(json ? { 'content-type': 'application/json' } : {}),
  accept: 'application/json',
  ...(key ? { authorization: `Bearer ${key}` } : {}),
})

/** Queues the graph; resolves with its prompt id. A graph ComfyUI rejects is `bad-request`. */
export async function submitPrompt(
  connection: ComfyConnection,
  workflow: Workflow,
): Promise<{ promptId: string; number?: number }> {
  const { provider, signal } = connection
  const response = await callUpstream(provider, connection.fetch, `${connection.baseUrl}/prompt`, {
    method: 'POST',
    headers: headers(connection.key),
    body: JSON.stringify({ prompt: workflow, client_id: crypto.randomUUID() }),
    signal,
  })
  if (!response.ok) throw await replyError(connection, response, 'queueing the prompt')
  const parsed = queued.safeParse(await readJson(provider, response, signal))
  if (!parsed.success) {
    throw upstreamError(provider, 'server', 'the /prompt reply held no prompt_id', {
      status: response.status,
    })
  }
  return { promptId: parsed.data.prompt_id, number: parsed.data.number }
}

/**
 * Polls `/history/{id}` with growing waits (providers/poll.ts) until the prompt has run. A run
 * that ended in error is a `server` failure quoting the failing node. An abort stops it at once.
 */
export function waitForHistory(
  connection: ComfyConnection,
  promptId: string,
  intervalMs: number,
): Promise<HistoryEntry> {
  const { provider, signal } = connection
  const url = `${connection.baseUrl}/history/${encodeURIComponent(promptId)}`
  return pollUntil(
    async () => {
      const response = await callUpstream(provider, connection.fetch, url, {
        headers: headers(connection.key, false),
        signal,
      })
      if (!response.ok) throw await replyError(connection, response, 'reading the history')
      const body = await readJson(provider, response, signal)
      const raw =
        body && typeof body === 'object'
          ? Object.entries(body).find(([id]) => id === promptId)?.[1]
          : undefined
      if (raw === undefined || raw === null) return undefined // not run yet: `{}`
      const parsed = historyEntry.safeParse(raw)
      if (!parsed.success) {
        throw upstreamError(provider, 'server', 'the /history entry was not the documented JSON')
      }
      const { status } = parsed.data
      if (status?.status_str === 'error') throw comfyRunError(provider, status)
      return status?.completed === false ? undefined : parsed.data
    },
    { provider, signal, intervalMs },
  )
}

/**
 * The files the run saved: those of `outputNode`, or else of every node, saved outputs before
 * previews. At most `count` of them.
 */
export function pickImages(
  entry: HistoryEntry,
  outputNode: string | undefined,
  count: number,
): ImageRef[] {
  const nodes = outputNode === undefined ? Object.keys(entry.outputs) : [outputNode]
  const refs = nodes.flatMap((id) =>
    (entry.outputs[id]?.images ?? []).flatMap((item) => {
      const parsed = imageRef.safeParse(item)
      return parsed.success ? [parsed.data] : []
    }),
  )
  const saved = refs.filter((ref) => ref.type === 'output')
  return (saved.length ? saved : refs).slice(0, count)
}

/** Fetches one saved file through `/view`; the key goes only to the configured base URL. */
export function fetchImage(connection: ComfyConnection, ref: ImageRef): Promise<GeneratedImage> {
  const query = new URLSearchParams({
    filename: ref.filename,
    subfolder: ref.subfolder,
    type: ref.type,
  })
  const origin = new URL(connection.baseUrl).origin
  const authorized: typeof fetch = (input, init) => {
    const target = new URL(input instanceof Request ? input.url : input)
    const sameOrigin = target.origin === origin && connection.key
    return connection.fetch(
      input,
      sameOrigin ? { ...init, headers: { authorization: `Bearer ${connection.key}` } } : init,
    )
  }
  return downloadImage(`${connection.baseUrl}/view?${query}`, {
    provider: connection.provider,
    baseUrl: connection.baseUrl,
    signal: connection.signal,
    fetch: authorized,
  })
}

/**
 * Best effort, after an abort: drops the prompt from the queue if it still waits, and interrupts
 * it only if /queue shows it running. Servers since 2025 interrupt only the named prompt, but
 * older ones stop whatever runs, which may be another request's prompt. Never throws; each call
 * is bounded by providers/poll.ts's cancel timeout, as the attempt's signal has fired already.
 */
export async function cancelPrompt(
  connection: Omit<ComfyConnection, 'signal'>,
  promptId: string,
): Promise<void> {
  const post = (path: string, body: unknown) => {
    const init = { method: 'POST', headers: headers(connection.key), body: JSON.stringify(body) }
    return cancelQuietly(connection.fetch, `${connection.baseUrl}${path}`, init)
  }
  await post('/queue', { delete: [promptId] })
  if (await isRunning(connection, promptId)) await post('/interrupt', { prompt_id: promptId })
}

/** True when `GET /queue` lists the prompt under `queue_running` (`[number, prompt_id, ...]`). */
async function isRunning(
  connection: Omit<ComfyConnection, 'signal'>,
  promptId: string,
): Promise<boolean> {
  const { signal, done } = withTimeout(new AbortController().signal, CANCEL_TIMEOUT_MS)
  try {
    const response = await connection.fetch(`${connection.baseUrl}/queue`, {
      headers: headers(connection.key, false),
      signal,
    })
    const parsed = queue.safeParse(response.ok ? await response.json() : undefined)
    return parsed.success && parsed.data.queue_running.some((item) => item[1] === promptId)
  } catch {
    return false
  } finally {
    done()
  }
}

/** Reads a non-2xx body and maps it (see errors.ts). */
export async function replyError(
  connection: ComfyConnection,
  response: Response,
  doing: string,
): Promise<GatewayError> {
  let text = ''
  try {
    text = await response.text()
  } catch (error) {
    throw abortOrNetworkError(connection.provider, connection.signal, error)
  }
  return comfyReplyError(connection.provider, response, text, doing, connection.key)
}
