import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageUrlOf, parseSse, pngSize } from '../../src/chat/__fixtures__/sse.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** The raw bytes of a streamed chat reply, chunk by chunk, against the Node server. */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway()
})
afterAll(() => gateway.close())

const chat = (body: unknown) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })

/** Fetches the image a reply links to and checks it is a real PNG. */
async function expectWorkingImage(content: string) {
  const image = await fetch(imageUrlOf(content))
  expect(image.status).toBe(200)
  expect(image.headers.get('content-type')).toBe('image/png')
  return pngSize(new Uint8Array(await image.arrayBuffer()))
}

describe('POST /v1/chat/completions with stream: true', () => {
  async function rawStream(body: Record<string, unknown>) {
    const response = await chat({ ...body, stream: true })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    return response.text()
  }

  for (const includeUsage of [false, true]) {
    it(`writes the exact SPEC order${includeUsage ? ' with the usage chunk' : ''}`, async () => {
      const raw = await rawStream({
        messages: [{ role: 'user', content: 'A cute cat 3:2' }],
        stream_options: includeUsage ? { include_usage: true } : undefined,
      })
      expect(raw).not.toMatch(/^event:/m)
      const blocks = parseSse(raw).filter((block) => block.kind === 'data')
      expect(blocks.at(-1)).toEqual({ kind: 'data', data: '[DONE]' })
      const chunks = blocks.slice(0, -1).map((block) => JSON.parse(block.data))
      const usage = includeUsage ? chunks.pop() : undefined
      const [role, ...rest] = chunks
      const stop = rest.pop()

      expect(role.choices).toEqual([
        {
          index: 0,
          delta: { role: 'assistant', content: '' },
          logprobs: null,
          finish_reason: null,
        },
      ])
      expect(stop.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }])
      expect(rest.length).toBeGreaterThanOrEqual(3)
      for (const chunk of rest) {
        expect(chunk.choices).toEqual([
          { index: 0, delta: { content: expect.any(String) }, logprobs: null, finish_reason: null },
        ])
      }
      const content = rest.map((chunk) => chunk.choices[0].delta.content).join('')
      // Progress first (original and optimized prompt), then the size, once, and the image.
      expect(rest[0].choices[0].delta.content).toBe('🎨 Original prompt: `A cute cat 3:2`  \n')
      expect(content.indexOf('🌐 Optimized prompt: `A cute cat`')).toBeGreaterThan(0)
      expect(content.indexOf('📐 Image specifications: 768x512')).toBeLessThan(
        content.indexOf('!['),
      )
      expect(content.match(/📐/g)).toHaveLength(1)
      expect(content).toMatch(/\n\n!\[A cute cat\]\([^)]+\)$/)
      expect(await expectWorkingImage(content)).toEqual({ width: 768, height: 512 })

      if (usage) {
        expect(usage.choices).toEqual([])
        expect(usage.usage).toEqual({
          prompt_tokens: 4,
          completion_tokens: Math.ceil(content.length / 4),
          total_tokens: 4 + Math.ceil(content.length / 4),
        })
      } else {
        expect(raw).not.toContain('"usage"')
      }
      for (const chunk of [role, ...rest, stop, ...(usage ? [usage] : [])]) {
        expect(chunk.object).toBe('chat.completion.chunk')
        expect(chunk.id).toBe(role.id)
        expect(chunk.created).toBe(role.created)
        expect(chunk.model).toBe('demo')
        expect(Array.isArray(chunk.choices)).toBe(true)
      }
      expect(role.id).toMatch(/^chatcmpl-/)
    })
  }
})
