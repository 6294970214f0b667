import type { ServerResponse } from 'node:http'
import { sniffImage } from '../../src/image/sniff.ts'
import { testPng } from '../contracts/provider.ts'
import {
  delay,
  type FakeServer,
  fileShelf,
  generationBodies,
  generationCalls,
  type RecordedRequest,
  sendJson,
  startFakeServer,
} from './server.ts'

/**
 * A fake SiliconFlow on 127.0.0.1 speaking its documented protocol: `POST /v1/images/generations`
 * with a bearer key answers `{images: [{url}], timings, seed}` whose URLs point back at this
 * server (`GET /files/<n>.png`, real PNG bytes), and errors as `{code, message, data}`. What a
 * call does is decided by its key, so one fake serves a whole key pool. Error codes other than
 * 20012 ("Model does not exist", documented) are illustrative: the gateway branches on status.
 * The Qwen-Image-Edit models take `image` (and, for -2509, `image2` and `image3`) as a URL or a
 * base64 data URI and no `image_size` (the docs); the edit comes back at the first image's size.
 * This fake refuses what those docs rule out (a missing image, a size, a third image field on
 * Qwen-Image-Edit, an image that is neither a URL nor a data URI) with a 400 of its own wording.
 */

export type Behaviour =
  | 'ok'
  | 'unauthorized' // 401
  | 'unauthorized-echo' // 401 whose message quotes the key, as careless upstreams do
  | 'forbidden' // 403, real-name verification
  | 'no-balance' // 402
  | 'rate-limited' // 429, Retry-After: retryAfterSeconds
  | 'rate-limited-bare' // 429 without Retry-After
  | 'bad-request' // 400
  | 'refused' // 400 with moderation wording
  | 'overloaded' // 503
  | 'slow' // answers ok after slowMs
  | 'foreign-url' // ok, but the image URL is on `localhost`: loopback, and not the base host
  | 'private-url' // ok, but the image URL is https://10.1.2.3/...
  | 'redirect-private' // ok; the image URL 302s to the cloud metadata address
  | 'redirect-ok' // ok; the image URL 302s to another path on this server

export type FakeSiliconflowOptions = {
  /** Behaviour per key; defaults: bad, limited, good, slow as their names say. */
  keys?: Record<string, Behaviour>
  retryAfterSeconds?: number
  slowMs?: number
}

export type FakeSiliconflow = FakeServer & {
  /** The base URL to configure: `<url>/v1`. */
  baseUrl: string
  /** Generation calls received for `key`. */
  callsFor(key: string): number
  /** Parsed bodies of every generation call, in order. */
  bodies(): Record<string, unknown>[]
  /** Every PNG this fake served, in order. */
  served: Uint8Array[]
}

const DEFAULT_KEYS: Record<string, Behaviour> = {
  bad: 'unauthorized',
  limited: 'rate-limited',
  good: 'ok',
  slow: 'slow',
}

const error = (response: ServerResponse, status: number, code: number, message: string) =>
  sendJson(response, status, { code, message, data: null })

/** Models this fake serves, with the image fields each takes (none: text to image). */
const MODELS: Record<string, string[]> = {
  'black-forest-labs/FLUX.1-schnell': [],
  'Kwai-Kolors/Kolors': [],
  'Qwen/Qwen-Image-Edit': ['image'],
  'Qwen/Qwen-Image-Edit-2509': ['image', 'image2', 'image3'],
}

type Body = { model?: string; prompt?: string; image_size?: string; seed?: number } & Record<
  string,
  unknown
>

/** What the docs rule out for this model's image fields, or null; the first image's size. */
function checkImages(body: Body): { problem: string } | { size?: [number, number] } {
  const fields = MODELS[body.model ?? ''] ?? []
  const sent = Object.keys(body).filter((name) => /^image\d?$/.test(name))
  const extra = sent.find((name) => !fields.includes(name))
  if (extra) return { problem: `${extra} is not supported by ${body.model}` }
  if (fields.length === 0) return {}
  if (!sent.includes('image')) return { problem: 'image is required for this model' }
  if (body.image_size !== undefined) return { problem: `${body.model} does not support image_size` }
  for (const name of sent) {
    const value = String(body[name])
    const data = /^data:image\/[a-z]+;base64,(.+)$/.exec(value)
    if (!data && !/^https?:\/\//.test(value)) {
      return { problem: `${name} must be an image URL or a base64 data URI` }
    }
  }
  const first = /^data:[^,]+,(.+)$/.exec(String(body.image))
  const info = first ? sniffImage(Buffer.from(first[1]!, 'base64')) : null
  return info ? { size: [info.width, info.height] } : {}
}

export async function startFakeSiliconflow(
  options: FakeSiliconflowOptions = {},
): Promise<FakeSiliconflow> {
  const keys = { ...DEFAULT_KEYS, ...options.keys }
  const { files, served, serve: serveFile } = fileShelf()
  let counter = 0
  let origin = ''

  const generation = async (request: RecordedRequest, response: ServerResponse) => {
    const key = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
    const behaviour = keys[key]
    if (!behaviour) return error(response, 401, 20007, 'Invalid token')
    let body: Body
    try {
      body = JSON.parse(request.body.toString('utf8'))
    } catch {
      return error(response, 400, 20015, 'Request body is not valid JSON')
    }
    if (!body.model || !body.prompt)
      return error(response, 400, 20015, 'model and prompt are required')
    if (!Object.hasOwn(MODELS, body.model)) {
      return error(response, 400, 20012, 'Model does not exist. Please check it carefully.')
    }
    const images = checkImages(body)
    if ('problem' in images) return error(response, 400, 20015, images.problem)
    switch (behaviour) {
      case 'unauthorized':
        return error(response, 401, 20007, 'Invalid token')
      case 'unauthorized-echo':
        return error(response, 401, 20007, `Invalid token: ${key}`)
      case 'forbidden':
        return error(response, 403, 30011, 'Sorry, you need to complete real-name verification.')
      case 'no-balance':
        return error(response, 402, 30001, 'Sorry, your account balance is insufficient')
      case 'rate-limited':
      case 'rate-limited-bare': {
        const headers: Record<string, string> =
          behaviour === 'rate-limited'
            ? { 'retry-after': String(options.retryAfterSeconds ?? 60) }
            : {}
        const message = 'Request was rejected due to rate limiting. Details: IPM limit reached.'
        return sendJson(response, 429, { code: 50603, message, data: null }, headers)
      }
      case 'bad-request':
        return error(response, 400, 20015, 'Value of image_size is invalid.')
      case 'refused':
        return error(response, 400, 20041, 'The prompt contains sensitive content.')
      case 'overloaded':
        return error(response, 503, 50505, 'Model service overloaded. Please try again later.')
      case 'slow':
        await delay(options.slowMs ?? 2000)
    }
    const [width, height] = images.size ?? (body.image_size ?? '1024x1024').split('x').map(Number)
    const name = `${++counter}.png`
    files.set(name, await testPng(width ?? 1024, height ?? 1024, counter))
    const path = `/files/${name}?Expires=3600&Signature=abc`
    const url = {
      'foreign-url': `${origin.replace('127.0.0.1', 'localhost')}${path}`,
      'private-url': `https://10.1.2.3${path}`,
      'redirect-private': `${origin}/redirect/private`,
      'redirect-ok': `${origin}/redirect/${name}`,
    }[behaviour as string]
    sendJson(
      response,
      200,
      {
        images: [{ url: url ?? `${origin}${path}` }],
        timings: { inference: 0.8 },
        seed: body.seed ?? 42,
      },
      { 'x-siliconcloud-trace-id': `trace-${counter}` },
    )
  }

  const server = await startFakeServer(async (request, response) => {
    const path = request.path.split('?')[0]!
    if (request.method === 'POST' && path === '/v1/images/generations') {
      return generation(request, response)
    }
    if (request.method === 'GET' && path === '/redirect/private') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' })
      response.end()
      return
    }
    const redirect = /^\/redirect\/(.+)$/.exec(path)
    if (request.method === 'GET' && redirect) {
      response.writeHead(302, { location: `/files/${redirect[1]}` })
      response.end()
      return
    }
    if (serveFile(request, response, path)) return
    sendJson(response, 404, { code: 404, message: 'Not Found', data: null })
  })
  origin = server.url
  return {
    ...server,
    baseUrl: `${server.url}/v1`,
    served,
    callsFor: (key) =>
      generationCalls(server).filter((r) => r.headers.authorization === `Bearer ${key}`).length,
    bodies: () => generationBodies(server),
  }
}
