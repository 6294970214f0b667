/**
 * Server-sent events for every door that streams (chat, the Images API): the headers, the
 * keep-alive comments while an image is being made, and cancellation when the client leaves.
 * What the events say is each door's own.
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

/**
 * Sends one event: `data` as JSON, or as it is when it is a string (`[DONE]`) or `JsonParts`,
 * after an `event:` line when `event` is given. Nothing is sent once the client has left.
 */
export type SendEvent = (data: unknown, event?: string) => void

/** An event's JSON already made as UTF-8, in parts sent as they are (an image's base64). */
export class JsonParts {
  readonly parts: Uint8Array[]
  constructor(parts: Uint8Array[]) {
    this.parts = parts
  }
}

const encoder = new TextEncoder()

/** Where a stream's chunks go, in order: each `write` one chunk of the body on the wire. */
export type EventSink = {
  write(chunk: string | Uint8Array): void
  /** The stream has ended. */
  close(): void
}

/**
 * An event stream not started yet: `start` runs its producer into a sink and returns what to
 * call when the client has left (it aborts the generation behind the stream). Started once.
 */
export type EventSource = { start(sink: EventSink): () => void }

/**
 * The stream of `produce`'s events, started by whoever reads it. `produce` gets the sender and a
 * signal that aborts when the client goes away, which it must pass on to generation. It tells its
 * own failures in its own events, so it must not throw.
 *
 * Events sent in one go (a chat's role chunk and opening text; its last text, stop chunk and
 * `[DONE]`) are joined into one chunk once the current microtasks have run: each chunk costs the
 * runtime a write to the socket, and the client a packet to wake up for.
 */
export function events(
  options: EventStreamOptions,
  produce: (send: SendEvent, signal: AbortSignal) => Promise<void>,
): EventSource {
  return { start: (sink) => run(options, produce, sink) }
}

function run(
  options: EventStreamOptions,
  produce: (send: SendEvent, signal: AbortSignal) => Promise<void>,
  sink: EventSink,
): () => void {
  // Forwarded by hand: AbortSignal.any costs several times as much on Node 20, per stream.
  const cancelled = new AbortController()
  const client = options.signal
  const forward = () => cancelled.abort(client.reason)
  if (client.aborted) forward()
  else client.addEventListener('abort', forward, { once: true })
  let open = true
  const end = () => {
    clearInterval(timer)
    client.removeEventListener('abort', forward)
    if (open) options.onClose?.()
    open = false
  }
  let pending = ''
  const flush = () => {
    if (open && pending) sink.write(pending)
    pending = ''
  }
  const write = (text: string) => {
    if (!open) return
    if (!pending) queueMicrotask(flush)
    pending += text
  }
  const send: SendEvent = (data, event) => {
    const head = `${event ? `event: ${event}\n` : ''}data: `
    if (!(data instanceof JsonParts)) {
      write(`${head}${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
      return
    }
    // An image's JSON, made as byte parts (routes/images-reply.ts): never turned into a string
    // nor joined; each part is a chunk, and Node writes them together (one writev).
    write(head)
    flush()
    if (open) for (const part of data.parts) sink.write(part)
    write('\n\n')
  }
  const timer = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs ?? KEEP_ALIVE_MS)
  // Not awaited: the caller sends the headers (and a first event) at once.
  void produce(send, cancelled.signal).finally(() => {
    flush()
    if (open) sink.close()
    end()
  })
  return () => {
    // The client went away: stop writing and abort the generation behind the stream.
    if (!open) return
    end()
    cancelled.abort()
  }
}

/** `source` as a web stream of UTF-8 chunks, started at once. */
export function readableEvents(source: EventSource): ReadableStream<Uint8Array> {
  let cancel = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      cancel = source.start({
        write: (chunk) =>
          controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk),
        close: () => controller.close(),
      })
    },
    cancel: () => cancel(),
  })
}

/** The stream of `produce`'s events as a web stream, started at once (see `events`). */
export function eventStream(
  options: EventStreamOptions,
  produce: (send: SendEvent, signal: AbortSignal) => Promise<void>,
): ReadableStream<Uint8Array> {
  return readableEvents(events(options, produce))
}
