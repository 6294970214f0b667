import type { EventResponder } from '../http/event-response.ts'
import { type EventSource, readableEvents } from '../http/event-stream.ts'

/**
 * The Node entry's event-stream responses (AppDeps.eventResponse): their body is made only if
 * something reads it. A web stream costs Node 20 a transferable object per stream and a promise
 * round trip per chunk, and its reader loop is one more hop between the events and the socket.
 * The entry takes the events of a response no one has read (`takeEvents`) and starts them
 * straight into the socket (node-response.ts). Something that reads the body first (the
 * idempotency recording, which replays a stream to joiners) gets the same events as a web
 * stream, and the entry then sends that.
 */

/**
 * A body that becomes a web stream of the events when read. Node's Response takes it as an
 * async iterable; the adapter's light Response keeps it as it is (it has `getReader`) until its
 * body is asked for.
 */
class LazyEventBody {
  #source: EventSource | undefined
  #stream: ReadableStream<Uint8Array> | undefined
  constructor(source: EventSource) {
    this.#source = source
  }
  /** The events, taken once, unless the body was read first. */
  take(): EventSource | undefined {
    const source = this.#source
    this.#source = undefined
    return source
  }
  get locked(): boolean {
    return this.#stream ? this.#stream.locked : this.#source === undefined
  }
  /** The body as a web stream, started now. */
  stream(): ReadableStream<Uint8Array> {
    if (this.#stream) return this.#stream
    const source = this.take()
    if (!source) throw new TypeError('The event stream was already taken by the runtime.')
    this.#stream = readableEvents(source)
    return this.#stream
  }
  getReader(): ReadableStreamDefaultReader<Uint8Array> {
    return this.stream().getReader()
  }
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    // Node's Response asks for the iterator when it is made, and for the first chunk only when
    // its body is read: the stream is made then.
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
    let returned = false
    return {
      // Once returned, a read still pending answers an empty chunk (which Node's Response skips),
      // not the end: on the end Node's Response closes its stream, which throws, uncaught, when
      // it was cancelled meanwhile.
      next: () => {
        reader ??= this.getReader()
        return reader
          .read()
          .then((read) => (returned ? { done: false, value: new Uint8Array(0) } : read))
      },
      // Whoever iterates stops early (a body cancelled): the stream is cancelled with it.
      return: async () => {
        returned = true
        await reader?.cancel()
        return { done: true, value: undefined }
      },
    }
  }
}

/** The lazy bodies of event responses, by response. */
const lazyBodies = new WeakMap<Response, LazyEventBody>()

/** An event stream's response whose body is made only if read. */
export const lazyEventResponse: EventResponder = (events, init) => {
  const body = new LazyEventBody(events)
  const response = new Response(body as unknown as BodyInit, init)
  lazyBodies.set(response, body)
  return response
}

/** The events of a `lazyEventResponse` whose body no one has read, taken once. */
export function takeEvents(response: Response): EventSource | undefined {
  return lazyBodies.get(response)?.take()
}
