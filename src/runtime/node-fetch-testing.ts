import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach } from 'vitest'
import { createNodeFetch, type NodeFetch } from './node-fetch.ts'

/** Real servers on 127.0.0.1 and fresh clients for the node-fetch tests, closed after each file. */

type Seen = { method: string; path: string; headers: IncomingMessage['headers']; body: Buffer }
export type Handler = (seen: Seen, response: ServerResponse, incoming: IncomingMessage) => void

/** Registers the clean-up hooks of the calling test file, and hands out its helpers. */
export function nodeFetchTestKit() {
  const servers: Server[] = []
  afterAll(async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections()
            server.close(() => resolve())
          }),
      ),
    )
  })

  /** A real server on 127.0.0.1 that records what it got; `sockets` counts its connections. */
  async function serve(handler: Handler, server: Server = createServer()) {
    const seen: Seen[] = []
    let sockets = 0
    server.on('connection', () => sockets++)
    server.on('request', async (incoming: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = []
      for await (const chunk of incoming) chunks.push(chunk as Buffer)
      const request = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(chunks),
      }
      seen.push(request)
      handler(request, response, incoming)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    const { port } = server.address() as AddressInfo
    const scheme = 'cert' in server ? 'https' : 'http'
    return { url: `${scheme}://127.0.0.1:${port}`, seen, sockets: () => sockets }
  }

  let nodeFetch: NodeFetch | undefined
  afterEach(() => nodeFetch?.close())
  /** A new client, closed after the test. */
  const fresh = () => {
    nodeFetch = createNodeFetch()
    return nodeFetch
  }

  return { serve, fresh }
}

/** A handler that answers with a whole plain-text body. */
export const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  ((_seen, response) => {
    response.writeHead(status, { 'content-type': 'text/plain', ...headers })
    response.end(body)
  }) satisfies Handler
