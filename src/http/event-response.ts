import { type EventSource, readableEvents, SSE_HEADERS } from './event-stream.ts'

/**
 * The response of a door that streams events. On a runtime that writes event streams itself
 * (the Node entry, `AppDeps.writesEventStreams`) the response's body is built only if something
 * reads it: a web stream costs Node 20 a transferable object per stream and a promise round trip
 * per chunk, and its reader loop is one more hop between the events and the socket. The Node
 * entry takes the events of a response no one has read (`takeEvents`) and starts them into the
 * socket (runtime/node-response.ts). Something that reads the body first (the idempotency
 * recording, which replays a stream to joiners) gets the same events as a web stream, and the
 * runtime then sends that. Elsewhere (the Worker) the body is a web stream at once, as before.
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

/** A 200 with the event-stream headers and `source`'s events as its body. */
export function eventResponse(source: EventSource, direct: boolean): Response {
  const init = { status: 200, headers: SSE_HEADERS }
  if (!direct) return new Response(readableEvents(source), init)
  const body = new LazyEventBody(source)
  const response = new Response(body as unknown as BodyInit, init)
  lazyBodies.set(response, body)
  return response
}

/** The events of an `eventResponse` whose body no one has read, taken once, for the runtime. */
export function takeEvents(response: Response): EventSource | undefined {
  return lazyBodies.get(response)?.take()
}
