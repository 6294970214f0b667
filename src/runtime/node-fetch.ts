import { type LookupAddress, type LookupOptions, lookup } from 'node:dns'
import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { isPrivateHost, PUBLIC_ADDRESSES_ONLY } from '../providers/safe-url.ts'
import { toResponse } from './node-fetch-body.ts'

/**
 * `fetch` on node:http with keep-alive agents, for the gateway's outbound calls on Node (the Node
 * entry passes it as AppDeps.fetch; Workers keep their own fetch).
 *
 * Why: on Node 20 the global fetch (undici) costs about 4 ms of CPU per call that returns a
 * 400 KB Workers AI reply (Request and Response objects, a body tee kept for retries, four web
 * streams and their promise plumbing); this one about 1.6 ms, bare node:http about 1.2 ms
 * (sequential calls to a local server on the shared 2-core box the benchmarks run on).
 *
 * It implements what the providers use, with fetch's semantics: method, headers, a body that is
 * a string, bytes or anything else `new Response(body)` can serialize (FormData, Blob,
 * URLSearchParams), `signal` (rejects or errors the body with `signal.reason`), `redirect`
 * ('follow' up to 20 hops, 'manual' returns the 3xx as is, 'error'), and a Response whose body
 * streams (node-fetch-body.ts; its `url` and `redirected` are own properties, which `clone()`
 * does not carry). Network failures reject with `TypeError('fetch failed', { cause })`, as undici
 * does. A Request object as input, or a URL that is not http(s), goes to the global fetch.
 */

export type NodeFetch = typeof fetch & {
  /** Closes idle keep-alive sockets; in-flight calls finish. */
  close(): void
}

export type NodeFetchOptions = {
  /** Agents to use; default: keep-alive agents owned (and closed) by this fetch. */
  httpAgent?: Agent
  httpsAgent?: HttpsAgent
}

const MAX_REDIRECTS = 20
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** Methods fetch upper-cases (PATCH is deliberately not among them). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
/** Request headers dropped when a redirect turns the request into a GET without a body. */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type']
/** Request headers dropped on a redirect to another origin (as undici does). */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host']

export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const httpAgent = options.httpAgent ?? new Agent({ keepAlive: true })
  const httpsAgent = options.httpsAgent ?? new HttpsAgent({ keepAlive: true })
  // Separate pools, so a public-only call never reuses a socket opened without the DNS check.
  const publicAgents = {
    http: new Agent({ keepAlive: true, lookup: publicOnlyLookup }),
    https: new HttpsAgent({ keepAlive: true, lookup: publicOnlyLookup }),
  }

  const nodeFetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    if (typeof input !== 'string' && !(input instanceof URL)) return fetch(input, init)
    let url = new URL(input)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(url, init)
    const signal = init.signal ?? undefined
    signal?.throwIfAborted()

    let method = init.method ?? 'GET'
    if (NORMALIZED_METHODS.has(method.toUpperCase())) method = method.toUpperCase()
    const headers = headerRecord(init.headers)
    let body = await encodeBody(init.body, headers)
    if (body && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError('Request with GET/HEAD method cannot have body.')
    }
    headers.accept ??= '*/*'
    headers['user-agent'] ??= 'node'
    // No compression asked for: a base64 image barely shrinks, and inflating it costs CPU.
    headers['accept-encoding'] ??= 'identity'

    const publicOnly = (init as Record<string, unknown>)[PUBLIC_ADDRESSES_ONLY] === true
    for (let redirects = 0; ; redirects++) {
      if (publicOnly && isPrivateHost(url.hostname)) {
        throw new TypeError('fetch failed', { cause: new Error(`${url.hostname} is not public`) })
      }
      const agents = publicOnly
        ? publicAgents
        : { http: httpAgent as Agent, https: httpsAgent as Agent }
      const agent = url.protocol === 'https:' ? agents.https : agents.http
      const lookup = publicOnly ? publicOnlyLookup : undefined
      const incoming = await exchange({ url, method, headers, body, signal, agent, lookup })
      const status = incoming.statusCode ?? 0
      const location = REDIRECT_STATUSES.has(status) ? incoming.headers.location : undefined
      if (location === undefined || init.redirect === 'manual') {
        return toResponse(incoming, { url, redirected: redirects > 0, method, signal })
      }
      incoming.resume() // frees the socket for the next hop
      if (init.redirect === 'error') throw new TypeError('fetch failed: unexpected redirect')
      if (redirects === MAX_REDIRECTS) throw new TypeError('fetch failed: redirect count exceeded')
      const next = new URL(location, url)
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new TypeError('fetch failed: URL scheme must be a HTTP(S) scheme')
      }
      if (((status === 301 || status === 302) && method === 'POST') || status === 303) {
        if (method !== 'HEAD') method = 'GET'
        body = null
        for (const name of BODY_HEADERS) delete headers[name]
      }
      if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name]
      url = next
    }
  }
  return Object.assign(nodeFetch, {
    close() {
      if (!options.httpAgent) httpAgent.destroy()
      if (!options.httpsAgent) httpsAgent.destroy()
      publicAgents.http.destroy()
      publicAgents.https.destroy()
    },
  }) as NodeFetch
}

/** Lower-cased header names, as node:http sends them. */
type HeaderRecord = Record<string, string>

/** Leading and trailing HTTP whitespace, which fetch strips from a header's value. */
const OUTER_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g

/**
 * A request's headers as the plain record node:http takes, built by hand: an undici Headers
 * (its list, a Map and an object per header) cost CPU as each call arrives and was held for as
 * long as the call waited, only to be copied into such a record. Repeated names are joined with
 * ", " as Headers joins them; node:http checks names and values when the request is made.
 */
function headerRecord(init: HeadersInit | undefined): HeaderRecord {
  const record: HeaderRecord = {}
  if (!init) return record
  const add = (name: string, value: string) => {
    const key = name.toLowerCase()
    const clean = String(value).replace(OUTER_WHITESPACE, '')
    const previous = record[key]
    record[key] = previous === undefined ? clean : `${previous}, ${clean}`
  }
  if (init instanceof Headers || Array.isArray(init)) {
    for (const [name, value] of init as Iterable<[string, string]>) add(name, value)
  } else {
    for (const name of Object.keys(init)) add(name, init[name]!)
  }
  return record
}

/** Bytes for a request body; sets the content-type fetch would set when none is given. */
async function encodeBody(
  body: BodyInit | null | undefined,
  headers: HeaderRecord,
): Promise<Uint8Array | null> {
  if (body === null || body === undefined) return null
  if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain;charset=UTF-8'
    return Buffer.from(body)
  }
  if (body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  // FormData (multipart with a fresh boundary), Blob, URLSearchParams, a stream: the platform
  // serializes it exactly as its fetch would, and the bytes go out with its content-type.
  const serialized = new Response(body)
  const type = serialized.headers.get('content-type')
  if (type) headers['content-type'] ??= type
  return new Uint8Array(await serialized.arrayBuffer())
}

type Exchange = {
  url: URL
  method: string
  headers: HeaderRecord
  body: Uint8Array | null
  signal: AbortSignal | undefined
  agent: Agent
  /** The agent's DNS check, kept when a retry leaves the agent for a fresh connection. */
  lookup: typeof publicOnlyLookup | undefined
}

/**
 * One request and its response head. A reused keep-alive socket that fails with ECONNRESET or
 * EPIPE before any reply almost always means the server dropped it while idle, as the request
 * went out; the request is sent once more on a fresh socket (the retry Node's docs recommend
 * for `reusedSocket`). A fresh socket's failure is final. The retry leaves the pool
 * (`agent: false`): under load a pool can hold several sockets the server has dropped, and the
 * next pooled one would fail the same way.
 */
function exchange(call: Exchange, retried = false): Promise<IncomingMessage> {
  const { url, method, body, signal } = call
  const headers = { ...call.headers }
  if (body) headers['content-length'] = String(body.byteLength)
  else if (method !== 'GET' && method !== 'HEAD') headers['content-length'] = '0'

  return new Promise((resolve, reject) => {
    let request: ClientRequest
    try {
      request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method,
        headers,
        ...(retried ? { agent: false, lookup: call.lookup } : { agent: call.agent }),
      })
    } catch (error) {
      reject(new TypeError('fetch failed', { cause: error })) // e.g. a header with a bad character
      return
    }
    const abort = () => request.destroy(signal?.reason)
    signal?.addEventListener('abort', abort, { once: true })
    request.once('response', (incoming) => {
      signal?.removeEventListener('abort', abort)
      resolve(incoming)
    })
    request.once('error', (error: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', abort)
      if (signal?.aborted) reject(signal.reason)
      else if (!retried && request.reusedSocket && isStaleSocket(error)) {
        exchange(call, true).then(resolve, reject)
      } else reject(new TypeError('fetch failed', { cause: error }))
    })
    request.end(body ?? undefined)
  })
}

const isStaleSocket = (error: NodeJS.ErrnoException) =>
  error.code === 'ECONNRESET' || error.code === 'EPIPE'

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * The `lookup` of calls marked PUBLIC_ADDRESSES_ONLY (downloads from hosts other than the
 * provider's): a URL check sees only a name, which may resolve to a loopback, private or
 * link-local address (a cloud metadata endpoint). Every address the name has is checked, so the
 * connection cannot pick a private one among them.
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '')
    const blocked = addresses.find((entry) => isPrivateHost(entry.address))
    const first = addresses[0]
    if (blocked || !first) {
      const refusal: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to ${blocked ? `a private address (${blocked.address})` : 'nothing'}`,
      )
      refusal.code = 'EPRIVATEADDRESS'
      return callback(refusal, '')
    }
    if (options.all) callback(null, addresses)
    else callback(null, first.address, first.family)
  })
}
