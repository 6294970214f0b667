import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { downloadImage } from '../providers/download.ts'
import { PUBLIC_ADDRESSES_ONLY } from '../providers/safe-url.ts'
import { createNodeFetch, publicOnlyLookup } from './node-fetch.ts'

const nodeFetch = createNodeFetch()
const received: string[] = []
const server = createServer((request, response) => {
  received.push(request.url ?? '')
  response.end('ok')
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address() as AddressInfo
afterAll(async () => {
  nodeFetch.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const lookupOf = (hostname: string, all: boolean) =>
  new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
    publicOnlyLookup(hostname, { all }, (error, address) => resolve({ error, address })),
  )

describe('publicOnlyLookup', () => {
  it('refuses a name that resolves to a loopback address', async () => {
    for (const all of [true, false]) {
      const { error } = await lookupOf('localhost', all)
      expect(error?.code).toBe('EPRIVATEADDRESS')
      expect(error?.message).toMatch(
        /^localhost resolves to a private address \((127\.0\.0\.1|::1)\)$/,
      )
    }
  })

  it('passes an address through in the shape the caller asked for', async () => {
    // An IP literal resolves to itself without DNS; a public one is allowed.
    expect(await lookupOf('8.8.8.8', false)).toEqual({ error: null, address: '8.8.8.8' })
    expect(await lookupOf('8.8.8.8', true)).toEqual({
      error: null,
      address: [{ address: '8.8.8.8', family: 4 }],
    })
  })
})

describe('the Node client with PUBLIC_ADDRESSES_ONLY', () => {
  it('sends nothing to a private host when marked, and calls it when not', async () => {
    const marked = { [PUBLIC_ADDRESSES_ONLY]: true } as RequestInit
    for (const host of ['localhost', '127.0.0.1']) {
      await expect(nodeFetch(`http://${host}:${port}/marked`, marked)).rejects.toThrow(TypeError)
    }
    expect(received).toEqual([])
    const response = await nodeFetch(`http://127.0.0.1:${port}/unmarked`)
    expect(await response.text()).toBe('ok')
    expect(received).toEqual(['/unmarked'])
  })
})

describe('downloadImage', () => {
  it('marks a download public-only unless it is on the provider’s own host', async () => {
    const marks: unknown[] = []
    const recording = (async (_url: string, init: Record<string, unknown>) => {
      marks.push(init[PUBLIC_ADDRESSES_ONLY])
      return new Response(new Uint8Array(4))
    }) as unknown as typeof fetch
    const options = { provider: 'p', signal: new AbortController().signal, fetch: recording }
    await downloadImage('https://cdn.example/a.png', { ...options, baseUrl: 'https://api.example' })
    await downloadImage('http://comfy.lan:8188/view', {
      ...options,
      baseUrl: 'http://comfy.lan:8188',
    })
    expect(marks).toEqual([true, undefined])
  })
})
