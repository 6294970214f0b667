import { type ChunkDelta, type CompletionMeta, chunk, usageChunk, usageOf } from './completion.ts'

/**
 * The chat stream in the order OpenAI's SDKs and the chat clients expect, as raw SSE bytes: a role
 * chunk at once, content chunks as `produce` emits text, `: keep-alive` comments while it waits,
 * then a stop chunk, the usage chunk (only when asked for), and `data: [DONE]`. Never `event:`
 * lines: OpenAI's SDK mis-delivers them.
 *
 * A failure after the headers went out is told twice. First as text in `delta.content`, which is
 * all some chat apps show (NextChat ignores error objects). Then as OpenAI's error body
 * `{error: {...}}` in a chunk of its own with no `choices`, followed by `data: [DONE]` and no stop
 * chunk: OpenAI's SDKs throw an APIError on it, the AI SDK reports an error part and finishes
 * with reason "error", Open WebUI shows it as the message's error (it reads `error` only in a
 * chunk without choices), and SillyTavern shows it in a toast.
 */

/**
 * Longest silence between writes while an image is being made. Cloudflare drops a proxied
 * connection after 100 s without a byte and clients and proxies in between often give up
 * sooner, so the stream is never silent for 10 s.
 */
export const KEEP_ALIVE_MS = 8_000

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  // nginx buffers proxied responses unless told not to; a buffered stream shows nothing live.
  'X-Accel-Buffering': 'no',
} as const

export type ChatStreamOptions = {
  meta: CompletionMeta
  /** The prompt text, for the usage estimate. */
  prompt: string
  includeUsage: boolean
  /** Overrides KEEP_ALIVE_MS (tests). */
  keepAliveMs?: number
  /** The client's signal; the stream's own cancellation is merged in. */
  signal: AbortSignal
  /** A failure after the stream began: readable text, and OpenAI's error body. */
  describeError: (error: unknown) => { text: string; body: { error: object } }
  /** Called once when the stream has ended or the client has left (the request log waits). */
  onClose?: () => void
}

/** Sends text as one content chunk, or a whole delta (images). */
export type Emit = (content: string | ChunkDelta) => void

const encoder = new TextEncoder()

/**
 * Starts the stream and runs `produce` in the background. `produce` gets an emitter and a
 * signal that aborts when the client goes away, which it must pass on to generation.
 */
export function chatStream(
  options: ChatStreamOptions,
  produce: (emit: Emit, signal: AbortSignal) => Promise<void>,
): ReadableStream<Uint8Array> {
  const cancelled = new AbortController()
  const signal = AbortSignal.any([options.signal, cancelled.signal])
  let timer: ReturnType<typeof setInterval> | undefined
  let open = true
  let content = ''
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    options.onClose?.()
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (open) controller.enqueue(encoder.encode(text))
      }
      const data = (value: unknown) => write(`data: ${JSON.stringify(value)}\n\n`)
      const emit: Emit = (sent) => {
        const delta = typeof sent === 'string' ? { content: sent } : sent
        if (!open || (!delta.content && !delta.images)) return
        content += delta.content ?? ''
        data(chunk(options.meta, delta))
      }
      data(chunk(options.meta, { role: 'assistant', content: '' }))
      timer = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs ?? KEEP_ALIVE_MS)

      let failure: object | undefined
      const finish = () => {
        clearInterval(timer)
        if (!open) return
        if (failure) data(failure)
        else {
          data(chunk(options.meta, {}, 'stop'))
          if (options.includeUsage) data(usageChunk(options.meta, usageOf(options.prompt, content)))
        }
        write('data: [DONE]\n\n')
        open = false
        controller.close()
        close()
      }
      // Not awaited: start() must return so the role chunk reaches the client at once.
      void produce(emit, signal)
        .catch((error: unknown) => {
          const { text, body } = options.describeError(error)
          emit(`\n${text}`)
          failure = body
        })
        .finally(finish)
    },
    cancel() {
      // The client went away: stop writing and abort the generation behind the stream.
      open = false
      clearInterval(timer)
      cancelled.abort()
      close()
    },
  })
}
