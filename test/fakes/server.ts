import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request as a fake upstream received it. */
export type RecordedRequest = {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: Buffer
}

export type FakeServer = {
  /** `http://127.0.0.1:<port>` */
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 for fake upstreams: the handler writes raw status, headers and
 * bytes, so a fake can speak a provider's protocol exactly, errors and slowness included. The
 * request body is read in full before the handler runs and recorded for assertions.
 */
export async function startFakeServer(
  handler: (request: RecordedRequest, response: ServerResponse) => void | Promise<void>,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = []
  const server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of incoming) chunks.push(chunk as Buffer)
    const request: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      headers: incoming.headers,
      body: Buffer.concat(chunks),
    }
    requests.push(request)
    try {
      await handler(request, response)
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' })
      response.end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Writes a JSON reply. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const bytes = Buffer.from(JSON.stringify(body))
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': bytes.length,
    ...headers,
  })
  response.end(bytes)
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The PNGs a fake image API hands out as URLs back to itself (`GET /files/<name>`), with every
 * one it served, in order.
 */
export function fileShelf() {
  const files = new Map<string, Uint8Array>()
  const served: Uint8Array[] = []
  return {
    files,
    served,
    /** Answers a GET for a file it holds and says so; any other request is left alone. */
    serve(request: RecordedRequest, response: ServerResponse, path = request.path): boolean {
      const file = files.get(path.replace(/^\/files\//, ''))
      if (request.method !== 'GET' || !file) return false
      served.push(file)
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': file.length })
      response.end(file)
      return true
    },
  }
}

/** The `POST /v1/images/generations` calls a fake got, in order. */
export const generationCalls = (server: FakeServer) =>
  server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/images/generations')

/** Their parsed JSON bodies. */
export const generationBodies = (server: FakeServer): Record<string, unknown>[] =>
  generationCalls(server).map((r) => JSON.parse(r.body.toString('utf8')))
