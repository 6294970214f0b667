import { IncomingMessage, ServerResponse } from 'node:http'
import { type FormPartsReader, READ_FORM_PARTS } from '../http/form-body.ts'
import { formBoundary, parseMultipart } from './node-form.ts'
import { IncomingHeaders } from './node-headers.ts'

/**
 * The request the app sees on Node, made cheaper where @hono/node-server is costly. Its light
 * request turns into a full undici Request (an AbortController, two web streams, the headers
 * copied) the first time the body or `signal` is read, which every generating request does:
 * about 0.25 ms of CPU per request. Here the signal is an AbortController of its own, a body
 * with a declared length is read straight from the socket into one buffer, the headers are read
 * from Node's parse (node-headers.ts), and a multipart form in the body is read from that buffer
 * (node-form.ts, the app's READ_FORM_PARTS); everything else (a chunked body, `formData()`,
 * `body`) is left to the adapter as before.
 */

/** The adapter's second argument to `fetch` (Hono's `c.env`): HTTP/1's messages, or HTTP/2's. */
export type NodeBindings = { incoming: unknown; outgoing: unknown }

/** The controller of a response's request signal, kept on the response for abortOnClose. */
const CONTROLLER = Symbol('nodeSignalController')

type SignalledResponse = ServerResponse & { [CONTROLLER]?: AbortController }

/**
 * One listener for every response (`this` is the response), rather than a closure and a `once`
 * wrapper per request: they would be held for as long as the request waits. A response closes
 * once, so `on` is enough.
 */
function abortOnClose(this: SignalledResponse): void {
  if (this.writableFinished) return
  this[CONTROLLER]?.abort(this.req.errored ?? new Error('Client connection prematurely closed.'))
}

/** Aborts when the client goes before its response has been sent, as the adapter's does. */
function closeSignal(outgoing: SignalledResponse): AbortSignal {
  const controller = new AbortController()
  outgoing[CONTROLLER] = controller
  if (outgoing.destroyed) abortOnClose.call(outgoing)
  else outgoing.on('close', abortOnClose)
  return controller.signal
}

/** The whole body; its listeners are removed once it has been read, so nothing of it lingers. */
function readAll(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const data = (chunk: Buffer) => chunks.push(chunk)
    const end = () => {
      settled()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    }
    const failed = (error: Error) => {
      settled()
      reject(error)
    }
    const closed = () => failed(new Error('the client closed the connection mid-body'))
    const settled = () => {
      incoming.off('data', data)
      incoming.off('end', end)
      incoming.off('error', failed)
      incoming.off('close', closed)
    }
    incoming.on('data', data)
    incoming.on('end', end)
    incoming.on('error', failed)
    incoming.on('close', closed)
  })
}

/** Where withNodeBody keeps a request's state: fields of the request itself, not closures. */
const BINDINGS = Symbol('nodeBindings')
const SIGNAL = Symbol('nodeSignal')
const HEADERS = Symbol('nodeHeaders')
/** The body's bytes once asked for; null when it is left to the adapter (no declared length). */
const BODY = Symbol('nodeBody')

type NodeRequest = Request & {
  [BINDINGS]: { incoming: IncomingMessage; outgoing: ServerResponse }
  [SIGNAL]: AbortSignal | undefined
  [HEADERS]: IncomingHeaders | undefined
  [BODY]: Promise<Buffer> | undefined | null
}

function bytes(request: NodeRequest): Promise<Buffer> {
  request[BODY] ??= readAll(request[BINDINGS].incoming)
  return request[BODY]
}

/**
 * The prototype withNodeBody gives the adapter's requests: one set of accessors and methods for
 * every request, reading each one's state from its fields. Defining them on each request instead
 * made every request a dictionary-mode object with a hidden class of its own and eight closures,
 * about 1.5 KB held for as long as it waits.
 */
function nodeRequestPrototype(adapters: object): object {
  const adapter = adapters as Record<string, () => Promise<unknown>>
  const methods = {
    get signal() {
      const self = this as unknown as NodeRequest
      self[SIGNAL] ??= closeSignal(self[BINDINGS].outgoing)
      return self[SIGNAL]
    },
    // Read from Node's parse rather than copied into an undici Headers first (node-headers.ts).
    get headers() {
      const self = this as unknown as NodeRequest
      self[HEADERS] ??= new IncomingHeaders(self[BINDINGS].incoming.rawHeaders)
      return self[HEADERS]
    },
    text(this: NodeRequest) {
      if (this[BODY] === null) return adapter.text!.call(this)
      return bytes(this).then((body) => body.toString('utf8'))
    },
    json(this: NodeRequest) {
      if (this[BODY] === null) return adapter.json!.call(this)
      return bytes(this).then((body) => JSON.parse(body.toString('utf8')))
    },
    arrayBuffer(this: NodeRequest) {
      if (this[BODY] === null) return adapter.arrayBuffer!.call(this)
      // A copy: the buffer may be a slice of a larger one the socket filled.
      return bytes(this).then((body) => new Uint8Array(body).buffer)
    },
    // A getter: the app calls the reader as a plain function. Without a body of ours there is
    // none, so the app leaves the form to `formData()`.
    get [READ_FORM_PARTS](): FormPartsReader | undefined {
      const self = this as unknown as NodeRequest
      if (self[BODY] === null) return undefined
      return async (contentType) => {
        const boundary = formBoundary(contentType)
        if (boundary === undefined) return undefined
        return parseMultipart(await bytes(self), boundary)
      }
    },
  }
  const prototype = Object.create(adapters)
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(methods))
  return prototype
}

/** Ours for each adapter prototype seen (one in practice: the adapter's light Request). */
const prototypes = new WeakMap<object, object>()

/** `request` with its signal, and its body when it has a declared length, read from `incoming`. */
export function withNodeBody(request: Request, bindings: NodeBindings): Request {
  const { incoming, outgoing } = bindings
  const http1 = incoming instanceof IncomingMessage && outgoing instanceof ServerResponse
  if (!http1 || !Object.isExtensible(request)) return request
  const adapters = Object.getPrototypeOf(request) as object
  let prototype = prototypes.get(adapters)
  if (!prototype) {
    prototype = nodeRequestPrototype(adapters)
    prototypes.set(adapters, prototype)
  }
  const { method, headers } = incoming
  const declared = headers['content-length'] !== undefined && !headers['transfer-encoding']
  const own = method !== 'GET' && method !== 'HEAD' && declared
  // Always the same fields in the same order, then the prototype, so every request shares one
  // hidden class (V8 gives an object fields added after a prototype change a class of its own).
  const fields = request as NodeRequest
  fields[BINDINGS] = bindings as NodeRequest[typeof BINDINGS]
  fields[SIGNAL] = undefined
  fields[HEADERS] = undefined
  fields[BODY] = own ? undefined : null
  Object.setPrototypeOf(request, prototype)
  return request
}
