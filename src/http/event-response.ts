import { type EventSource, readableEvents, SSE_HEADERS } from './event-stream.ts'

/**
 * Makes the response of an event stream, given its status and headers: a runtime that writes
 * event streams itself makes its own (AppDeps.eventResponse; the Node entry's makes the body
 * only if something reads it, runtime/node-event-body.ts).
 */
export type EventResponder = (events: EventSource, init: ResponseInit) => Response

/**
 * A 200 with the event-stream headers and `events` as its body: `respond`'s response, or one
 * whose body is a web stream of the events, started at once (the Worker).
 */
export function eventResponse(events: EventSource, respond?: EventResponder): Response {
  const init = { status: 200, headers: SSE_HEADERS }
  return respond ? respond(events, init) : new Response(readableEvents(events), init)
}
