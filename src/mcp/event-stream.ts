import { KEEP_ALIVE_MS } from '../chat/stream.ts'

const encoder = new TextEncoder()

export type EventStreamOptions = {
  /** The client's signal; the stream's own cancellation is merged in. */
  signal: AbortSignal
  /** Overrides KEEP_ALIVE_MS (tests). */
  keepAliveMs?: number
  /** Called once when the stream has ended or the client has left (the request log waits). */
  onClose: () => void
}

/**
 * The answer to one POST as Streamable HTTP's event stream: each JSON-RPC message (progress
 * notifications, then the responses) as an SSE `message` event, `: keep-alive` comments while a
 * generation runs, closed once `produce` has sent everything. A client that leaves cancels the
 * stream, which aborts the signal `produce` hands on to generation.
 */
export function eventStream(
  options: EventStreamOptions,
  produce: (send: (message: unknown) => void, signal: AbortSignal) => Promise<void>,
): ReadableStream<Uint8Array> {
  const cancelled = new AbortController()
  const signal = AbortSignal.any([options.signal, cancelled.signal])
  let timer: ReturnType<typeof setInterval> | undefined
  let open = true
  const end = () => {
    clearInterval(timer)
    if (open) options.onClose()
    open = false
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (open) controller.enqueue(encoder.encode(text))
      }
      timer = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs ?? KEEP_ALIVE_MS)
      // Not awaited: start() returns so the headers go out while the work runs.
      void produce(
        (message) => write(`event: message\ndata: ${JSON.stringify(message)}\n\n`),
        signal,
      ).finally(() => {
        if (open) controller.close()
        end()
      })
    },
    cancel() {
      end()
      cancelled.abort()
    },
  })
}
