import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { memoryStorage } from '../storage/memory.ts'
import { lazyEventResponse } from './node-event-body.ts'
import { lazyPartsResponse } from './node-parts-body.ts'
import {
  chunksOf,
  closeServer,
  countEventWebStreams,
  exchange,
  listen,
} from './node-response-testing.ts'

/**
 * Every door that streams, on the Node entry writing its events itself (writeEvents) and on the
 * web-stream path it replaces (pump): the same bytes on the wire, chunk framing included.
 */

afterEach(() => {
  vi.unstubAllGlobals()
  return closeServer()
})

const gateway = (direct: boolean) =>
  createApp({
    config: loadConfig({ RATE_LIMIT: '0' }),
    storage: memoryStorage(),
    log: () => {},
    partsResponse: lazyPartsResponse,
    eventResponse: direct ? lazyEventResponse : undefined,
  })

/** The request line (and any headers) of a door's target. */
const requestLine = (target: string) =>
  target.includes(' HTTP/1.1') ? target : `${target} HTTP/1.1`

describe('the Node entry writing event streams', () => {
  const doors = [
    [
      'chat',
      'POST /v1/chat/completions',
      {
        stream: true,
        messages: [{ role: 'user', content: 'a fox --seed 3' }],
        stream_options: { include_usage: true },
      },
    ],
    [
      'chat, images',
      'POST /v1/chat/completions',
      {
        stream: true,
        modalities: ['image', 'text'],
        messages: [{ role: 'user', content: 'a fox --seed 3' }],
      },
    ],
    [
      'images',
      'POST /v1/images/generations',
      { prompt: 'a red fox', seed: 7, n: 2, size: '64x64', stream: true },
    ],
    ['Responses', 'POST /v1/responses', { input: 'a red fox --seed 4', stream: true }],
    [
      'MCP',
      'POST /mcp HTTP/1.1\r\nAccept: application/json, text/event-stream',
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'generate_image',
          arguments: { prompt: 'a fox', size: '64x64', seed: 5 },
          _meta: { progressToken: 1 },
        },
      },
    ],
  ] as const
  for (const [door, target, body] of doors) {
    it(`sends the bytes the web-stream path sends: ${door}`, async () => {
      const port = await listen(gateway(true), gateway(false))
      const json = JSON.stringify(body)
      const webStreams = countEventWebStreams()
      const web = await exchange(port, `${requestLine(target)}\r\nX-Web-Stream: 1`, json)
      expect(webStreams.made).toBe(1)
      const direct = await exchange(port, requestLine(target), json)
      // The events went to the socket, not through a web stream.
      expect(webStreams.made).toBe(1)
      expect(web).toMatch(/^HTTP\/1.1 200 OK\r\n[\s\S]*transfer-encoding: chunked/i)
      const [webChunks, directChunks] = [chunksOf(web), chunksOf(direct)]
      expect(webChunks.length).toBeGreaterThan(2)
      // Compared whole but reported short: a failure would print 100 KB of base64.
      expect(directChunks.length).toBe(webChunks.length)
      for (const [index, chunk] of directChunks.entries()) {
        if (chunk !== webChunks[index])
          expect(chunk.slice(0, 300)).toBe(webChunks[index]!.slice(0, 300))
        expect(chunk === webChunks[index]).toBe(true)
      }
      // The end of the body: an empty chunk.
      expect(directChunks.at(-1)).toBe('')
    })
  }
})

describe('an idempotent retry of a streamed chat, on the Node entry', () => {
  it('joins the running stream and gets every byte the first client gets', async () => {
    // A demo upstream slow enough that the retry arrives while the first is generating.
    const app = createApp({
      config: loadConfig({
        RATE_LIMIT: '0',
        PROVIDERS: JSON.stringify([{ type: 'demo', options: { delayMs: 300 } }]),
      }),
      storage: memoryStorage(),
      log: () => {},
      partsResponse: lazyPartsResponse,
      eventResponse: lazyEventResponse,
    })
    const port = await listen(app)
    const body = JSON.stringify({
      stream: true,
      messages: [{ role: 'user', content: 'a lighthouse --seed 9' }],
    })
    const target = 'POST /v1/chat/completions HTTP/1.1\r\nIdempotency-Key: join-1'
    const first = exchange(port, target, body)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const joinedRaw = await exchange(port, target, body)
    const sentRaw = await first
    const [joined, sent] = [chunksOf(joinedRaw), chunksOf(sentRaw)]
    expect(joined[0]).toContain('\r\nidempotent-replayed: true\r\n')
    expect(sent[0]).not.toContain('idempotent-replayed')
    expect(joined.slice(1).join('')).toBe(sent.slice(1).join(''))
    // The same stream, not a second generation: the same id.
    const id = (raw: string) => /chatcmpl-[0-9a-f]{32}/.exec(raw)?.[0]
    expect(id(joinedRaw)).toBeDefined()
    expect(id(joinedRaw)).toBe(id(sentRaw))
    expect(sent.join('')).toContain('data: [DONE]')
  })
})
