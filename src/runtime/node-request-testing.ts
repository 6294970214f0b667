import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { withNodeBody } from './node-request.ts'

/** For tests: `app` served through the adapter as the Node entry serves it (withNodeBody). */

let server: ReturnType<typeof serve> | undefined

/** Serves `app` on a free port of 127.0.0.1; resolves with its base URL and port. */
export async function listenAsNodeEntry(app: Hono): Promise<{ url: string; port: number }> {
  server = serve({
    fetch: (request, bindings) => app.fetch(withNodeBody(request, bindings), bindings),
    port: 0,
    hostname: '127.0.0.1',
  })
  await new Promise((resolve) => server!.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, port }
}

/** Closes the server the last listenAsNodeEntry started (a test file's afterEach). */
export function closeNodeEntry(): Promise<void> {
  const open = server
  server = undefined
  return new Promise((done) => (open ? open.close(() => done()) : done()))
}
