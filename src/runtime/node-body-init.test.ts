import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono/tiny'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lightResponseBody } from './node-body-init.ts'

/**
 * The body a response was made with, as the adapter keeps it: each reply below is made by a
 * route served through @hono/node-server, and what `lightResponseBody` found is sent back in
 * a header, so the adapter's own Response class is the one read.
 */

const seen: { body: unknown }[] = []
let server: ReturnType<typeof serve>
let url: string

beforeAll(async () => {
  const app = new Hono()
  app.get('/json', (c) => c.json({ fox: 'red' }, 201))
  app.get('/bytes', (c) => c.body(new Uint8Array([1, 2, 3])))
  app.get('/stream', (c) => c.body(new Blob(['streamed']).stream()))
  app.get('/read', async (c) => {
    const response = c.text('read first')
    await response.clone().text()
    return response
  })
  app.get('/full', () => new (Object.getPrototypeOf(Response) as typeof Response)('undici'))
  server = serve({
    fetch: async (request) => {
      const response = await app.fetch(request)
      seen.push({ body: lightResponseBody(response) })
      return response
    },
    port: 0,
    hostname: '127.0.0.1',
  })
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((done) => server.close(() => done())))

async function bodyFound(path: string) {
  const response = await fetch(`${url}${path}`)
  return { found: seen.at(-1)!.body, status: response.status, sent: await response.text() }
}

describe('lightResponseBody', () => {
  it('finds a JSON reply’s text, and the reply still goes out as made', async () => {
    const { found, status, sent } = await bodyFound('/json')
    expect(new TextDecoder().decode(found as Uint8Array)).toBe('{"fox":"red"}')
    expect([status, sent]).toEqual([201, '{"fox":"red"}'])
  })

  it('finds bytes as the bytes', async () => {
    const { found } = await bodyFound('/bytes')
    expect(found).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('finds nothing in a stream, a response already read, or a full undici Response', async () => {
    for (const [path, text] of [
      ['/stream', 'streamed'],
      ['/read', 'read first'],
      ['/full', 'undici'],
    ]) {
      const { found, sent } = await bodyFound(path!)
      expect([path, found, sent]).toEqual([path, undefined, text])
    }
  })
})
