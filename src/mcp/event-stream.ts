import {
  type EventSource,
  type EventStreamOptions,
  events,
  readableEvents,
} from '../http/event-stream.ts'

/**
 * The answer to one POST as Streamable HTTP's event stream: each JSON-RPC message (progress
 * notifications, then the responses) as an SSE `message` event, with the keep-alive comments and
 * cancellation every streaming door shares. A client that leaves cancels the stream, which aborts
 * the signal `produce` hands on to generation. Run once it is started (http/event-response.ts).
 */
export function messageEvents(
  options: EventStreamOptions,
  produce: (send: (message: unknown) => void, signal: AbortSignal) => Promise<void>,
): EventSource {
  return events(options, (send, signal) => produce((message) => send(message, 'message'), signal))
}

/** The same as a web stream, started at once. */
export function eventStream(
  options: EventStreamOptions,
  produce: (send: (message: unknown) => void, signal: AbortSignal) => Promise<void>,
): ReadableStream<Uint8Array> {
  return readableEvents(messageEvents(options, produce))
}
