/**
 * What every server-sent event stream of the gateway shares (the chat stream, the Responses API
 * stream): the headers, `: keep-alive` comments while an image is being made, and the end of the
 * stream, whether it finished, failed, or the client left. Each door writes its own frames.
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

export type EventStreamOptions = {
  /** The client's signal; the stream's own cancellation is merged in. */
  signal: AbortSignal
  /** Overrides KEEP_ALIVE_MS (tests). */
  keepAliveMs?: number
  /** Called once when the stream has ended or the client has left (the request log waits). */
  onClose?: () => void
}

/** Writes raw SSE text; does nothing once the client has left. */
export type WriteSse = (text: string) => void

/** The frames of one stream: the work that writes them, and what to write when it fails. */
export type EventStreamBody = {
  /** Writes every frame of a successful stream; gets the signal to pass on to generation. */
  run: (write: WriteSse, signal: AbortSignal) => Promise<void>
  /** Writes the frames that tell a failure after the headers went out. */
  fail: (error: unknown, write: WriteSse) => void
}

const encoder = new TextEncoder()

/**
 * Starts the stream and runs `body.run` in the background: what it writes synchronously goes out
 * at once, then `: keep-alive` comments fill every silence until it settles. A client that
 * leaves aborts the signal `run` was given, which cancels the generation behind the stream.
 */
export function eventStream(
  options: EventStreamOptions,
  body: EventStreamBody,
): ReadableStream<Uint8Array> {
  const cancelled = new AbortController()
  const signal = AbortSignal.any([options.signal, cancelled.signal])
  let timer: ReturnType<typeof setInterval> | undefined
  let open = true
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    options.onClose?.()
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const write: WriteSse = (text) => {
        if (open) controller.enqueue(encoder.encode(text))
      }
      const finish = () => {
        clearInterval(timer)
        if (open) {
          open = false
          controller.close()
        }
        close()
      }
      // Not awaited: start() must return so the first frames reach the client at once.
      const running = body.run(write, signal)
      timer = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs ?? KEEP_ALIVE_MS)
      void running.catch((error: unknown) => body.fail(error, write)).finally(finish)
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
