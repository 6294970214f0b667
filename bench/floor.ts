import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { notFound, staticFile } from './floor/image.ts'
import { direct, edits, generations } from './floor/image-doors.ts'
import { chat, mcp, responses } from './floor/text-doors.ts'

/**
 * The same-job floor: each door the benchmark drives, done in plain Node as fast as it knows
 * how, with nothing the job does not need: no framework, validation, failover, logging or
 * metrics. Its figures are what the job itself costs on this machine, so the gateway's ratio to
 * them is what the gateway adds. The job per door:
 *
 * - generation (chat, Responses, MCP, the Images API, its edits, the direct URL): read the
 *   request (JSON, or an edit's multipart form, its image checked), one call to the Workers AI
 *   REST upstream on a keep-alive agent (floor/upstream.ts), cut the base64 out of the reply
 *   without parsing it, decode it and check it is a whole JPEG or PNG, and store it the way the
 *   gateway promises to (a fresh 128-bit key; written to a temp file, data synced, renamed,
 *   folder synced: the link handed out survives power loss), then the door's small reply with
 *   the link: chat JSON or its SSE stream, a Responses message, a JSON-RPC result, the Images
 *   API JSON, or a 302 to the image (floor/text-doors.ts, floor/image-doors.ts).
 * - `b64_json` and the streamed Images API: the image is decoded (to check it) but not stored,
 *   since no link is handed out, and the upstream's base64 text goes back as it came.
 * - `GET /image/{key}`: a static file server: one read of the whole file, sent with its type,
 *   length, ETag and cache lifetime.
 *
 * A new door is its route here and its entry in bench/doors.ts.
 */

type Handler = (incoming: IncomingMessage, response: ServerResponse) => Promise<void>

const POSTS: Record<string, Handler> = {
  '/v1/chat/completions': chat,
  '/v1/images/generations': generations,
  '/v1/images/edits': edits,
  '/v1/responses': responses,
  '/mcp': mcp,
}

function route(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(incoming.url ?? '/', 'http://floor')
  const path = url.pathname
  const post = incoming.method === 'POST' ? POSTS[path] : undefined
  if (post) return post(incoming, response)
  if (path.startsWith('/image/')) return staticFile(path.slice('/image/'.length), response)
  if (path === '/' && url.searchParams.has('prompt')) return direct(url, response)
  return Promise.resolve(notFound(response))
}

const server = createServer((incoming, response) => {
  route(incoming, response).catch((error: Error) => {
    if (!response.headersSent) response.writeHead(502)
    response.end(error.message)
  })
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
console.log(`floor listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
// Exits as a process does on its own, not killed by the signal: a CPU profile
// (`npm run bench:profile` with BENCH_ROLE=floor) is only written on such an exit.
process.once('SIGTERM', () => process.exit(0))
