import { randomBytes } from 'node:crypto'
import { constants, type Stats } from 'node:fs'
import { mkdir, open, rename } from 'node:fs/promises'
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { decodeBase64Bytes } from '../src/bytes/base64.ts'

/**
 * The same-job floor: each door the benchmark drives, done in plain Node as fast as it knows
 * how, with nothing the job does not need: no framework, validation, failover, logging or
 * metrics. Its figures are what the job itself costs on this machine, so the gateway's ratio to
 * them is what the gateway adds. The job per door:
 *
 * - generation (chat, Images API, direct URL): read the JSON body, one call to the Workers AI
 *   REST upstream on a keep-alive agent, cut the base64 out of the reply without parsing it,
 *   decode it (see `decode`), check it is a whole JPEG, and store it the way the
 *   gateway promises to (a fresh 128-bit key; written to a temp file, data synced, renamed,
 *   folder synced: the link handed out survives power loss), then a small reply: chat JSON, a
 *   chat SSE stream, the Images API JSON, or a 302 to the image.
 * - `b64_json`: the image is decoded (to check it) but not stored, since no link is handed out,
 *   and the upstream's base64 text goes back as it came.
 * - `GET /image/{key}`: a static file server: one read of the whole file, sent with its type,
 *   length, ETag and cache lifetime.
 */

const env = process.env
const dir = join(env.DATA_DIR!, 'floor')
await mkdir(dir, { recursive: true })
const folder = await open(dir, 'r')
const upstream = new URL(
  `${env.CF_API_BASE}/accounts/${env.CF_ACCOUNT_ID}/ai/run/@cf/black-forest-labs/flux-1-schnell`,
)
const authorization = `Bearer ${env.CF_API_TOKEN}`
const agent = new Agent({ keepAlive: true })
const KEY = Buffer.from('"image":"')

function readAll(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    incoming.on('error', reject)
  })
}

/** One upstream call; resolves with the image's base64 text, cut out of the reply. */
function callUpstream(prompt: string): Promise<Buffer> {
  const body = JSON.stringify({ prompt, steps: 4, seed: Math.floor(Math.random() * 2 ** 31) })
  return new Promise((resolve, reject) => {
    const outgoing = request(upstream, {
      agent,
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    })
    outgoing.on('response', (response) => {
      readAll(response).then((reply) => {
        const start = reply.indexOf(KEY) + KEY.length
        const end = reply.indexOf(0x22, start)
        if (response.statusCode !== 200 || start < KEY.length || end < 0) {
          reject(new Error(`upstream answered ${response.statusCode}`))
        } else resolve(reply.subarray(start, end))
      }, reject)
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/**
 * The decoded image, checked to be a whole JPEG (start and end markers). Decoded in place by the
 * table decoder the gateway uses: on Node 20, Buffer's decoder needs the text as a string first,
 * and making a 400 KB string costs more than the native decoding saves (measured: about 5% of
 * this floor's CPU per request).
 */
function decode(base64: Buffer): Uint8Array {
  const image = decodeBase64Bytes(base64)
  if (!image) throw new Error('not base64')
  const n = image.length
  if (image[0] !== 0xff || image[1] !== 0xd8 || image[n - 2] !== 0xff || image[n - 1] !== 0xd9) {
    throw new Error('not a whole JPEG')
  }
  return image
}

/** Stores an image durably under a fresh key; resolves once the rename is on disk. */
async function store(image: Uint8Array): Promise<string> {
  const key = randomBytes(16).toString('base64url')
  const temp = join(dir, `.tmp-${key}`)
  const file = await open(temp, 'w')
  try {
    await file.write(image)
    await file.datasync()
  } finally {
    await file.close()
  }
  await rename(temp, join(dir, `${key}.jpg`))
  await folder.sync()
  return key
}

function sendJson(response: ServerResponse, body: unknown): void {
  const json = JSON.stringify(body)
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  })
  response.end(json)
}

const completion = (id: string, key: string) => ({
  id,
  object: 'chat.completion',
  created: Math.floor(Date.now() / 1000),
  model: 'flux-schnell',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: `![image](http://127.0.0.1/image/${key})` },
      finish_reason: 'stop',
    },
  ],
})

async function chat(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = JSON.parse((await readAll(incoming)).toString()) as {
    messages: { content: string }[]
    stream?: boolean
  }
  const prompt = body.messages.at(-1)!.content
  const id = `chatcmpl-${randomBytes(12).toString('base64url')}`
  if (!body.stream)
    return sendJson(response, completion(id, await store(decode(await callUpstream(prompt)))))
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const event = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
  response.write(event({ role: 'assistant', content: '' }))
  const key = await store(decode(await callUpstream(prompt)))
  response.write(event({ content: `![image](http://127.0.0.1/image/${key})` }))
  response.end(`${event({}, 'stop')}data: [DONE]\n\n`)
}

async function images(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = JSON.parse((await readAll(incoming)).toString()) as {
    prompt: string
    response_format?: string
  }
  const base64 = await callUpstream(body.prompt)
  const image = decode(base64)
  const created = Math.floor(Date.now() / 1000)
  if (body.response_format !== 'b64_json') {
    const url = `http://127.0.0.1/image/${await store(image)}`
    return sendJson(response, { created, data: [{ url }] })
  }
  // The text is base64, so it needs no JSON escaping: written around, not stringified again.
  const head = `{"created":${created},"data":[{"b64_json":"`
  const tail = '"}]}'
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': head.length + base64.length + tail.length,
  })
  response.write(head)
  response.write(base64)
  response.end(tail)
}

async function direct(url: URL, response: ServerResponse): Promise<void> {
  const key = await store(decode(await callUpstream(url.searchParams.get('prompt') ?? '')))
  url.searchParams.set('id', key)
  response.writeHead(302, { location: `${url.pathname}${url.search}`, 'cache-control': 'no-store' })
  response.end()
}

async function staticFile(key: string, response: ServerResponse): Promise<void> {
  if (!/^[\w-]{22}$/.test(key)) return notFound(response)
  const file = await open(join(dir, `${key}.jpg`), constants.O_RDONLY).catch(() => null)
  if (!file) return notFound(response)
  try {
    const info: Stats = await file.stat()
    const bytes = Buffer.allocUnsafe(info.size)
    await file.read(bytes, 0, info.size, 0)
    response.writeHead(200, {
      'content-type': 'image/jpeg',
      'content-length': info.size,
      etag: `"${key}"`,
      'cache-control': 'public, max-age=3600, immutable',
    })
    response.end(bytes)
  } finally {
    await file.close()
  }
}

function notFound(response: ServerResponse): void {
  response.writeHead(404).end()
}

const server = createServer((incoming, response) => {
  const url = new URL(incoming.url ?? '/', 'http://floor')
  const path = url.pathname
  const work =
    path === '/v1/chat/completions'
      ? chat(incoming, response)
      : path === '/v1/images/generations'
        ? images(incoming, response)
        : path.startsWith('/image/')
          ? staticFile(path.slice('/image/'.length), response)
          : path === '/' && url.searchParams.has('prompt')
            ? direct(url, response)
            : Promise.resolve(notFound(response))
  work.catch((error: Error) => {
    if (!response.headersSent) response.writeHead(502)
    response.end(error.message)
  })
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
console.log(`floor listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
