import { type EventStreamOptions, eventStream as sseStream } from '../http/event-stream.ts'

/**
 * The answer to one POST as Streamable HTTP's event stream: each JSON-RPC message (progress
 * notifications, then the responses) as an SSE `message` event, with the keep-alive comments and
 * cancellation every streaming door shares. A client that leaves cancels the stream, which aborts
 * the signal `produce` hands on to generation.
 */
export function eventStream(
  options: EventStreamOptions,
  produce: (send: (message: unknown) => void, signal: AbortSignal) => Promise<void>,
): ReadableStream<Uint8Array> {
  return sseStream(options, (send, signal) =>
    produce((message) => send(message, 'message'), signal),
  )
}
