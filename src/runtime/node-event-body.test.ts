import { describe, expect, it } from 'vitest'
import { eventResponse } from '../http/event-response.ts'
import { type EventSource, events, SSE_HEADERS } from '../http/event-stream.ts'
import { lazyEventResponse, takeEvents } from './node-event-body.ts'

/** The response of `events`: the Node entry's (`direct`), or the Worker's web stream. */
const respond = (source: EventSource, direct: boolean) =>
  eventResponse(source, direct ? lazyEventResponse : undefined)

/** A stream that sends one event, then waits for the client; `seen` tells what became of it. */
function oneEventThenWait(seen: { closes: number; aborted: boolean }) {
  return events(
    { signal: new AbortController().signal, onClose: () => seen.closes++ },
    async (send, signal) => {
      send({ n: 1 })
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
      seen.aborted = true
    },
  )
}

describe("eventResponse, and the Node entry's lazyEventResponse", () => {
  for (const direct of [false, true]) {
    it(`is a 200 of the event-stream headers whose body is the events (direct: ${direct})`, async () => {
      const response = respond(
        events({ signal: new AbortController().signal }, async (send) => {
          send({ n: 1 })
          send('[DONE]')
        }),
        direct,
      )
      expect(response.status).toBe(200)
      expect(Object.fromEntries(response.headers)).toEqual(
        Object.fromEntries(new Headers(SSE_HEADERS)),
      )
      expect(await response.text()).toBe('data: {"n":1}\n\ndata: [DONE]\n\n')
      // Read: nothing is left for a runtime to take.
      expect(takeEvents(response)).toBeUndefined()
    })
  }

  it('gives its events to the runtime once, and then the body is locked', () => {
    const response = respond(oneEventThenWait({ closes: 0, aborted: false }), true)
    expect(takeEvents(response)).toBeDefined()
    expect(takeEvents(response)).toBeUndefined()
  })

  it('cancels the events when its body is cancelled while a read waits', async () => {
    const seen = { closes: 0, aborted: false }
    const response = respond(oneEventThenWait(seen), true)
    const reader = response.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":1}\n\n')
    const waiting = reader.read()
    await reader.cancel()
    expect(await waiting).toEqual({ done: true, value: undefined })
    // A few turns for a stream closed after its cancelling to throw, uncaught, should it.
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(seen).toEqual({ closes: 1, aborted: true })
  })
})
