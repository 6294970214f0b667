import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { countStreamsMadeBy } from '../../src/runtime/node-response-testing.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * The Node entry hands the app its own reply makers (src/runtime/node.ts): an event stream's
 * events go to the socket without a web stream, and an Images reply's parts are kept for one
 * writev. Both give the same bytes as the plain responses they replace, so only what they build
 * tells whether the entry passed them: web streams, counted by who made them.
 */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ RATE_LIMIT: '0' })
})
afterAll(() => gateway.close())
afterEach(() => vi.unstubAllGlobals())

const post = (path: string, body: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('the Node entry', () => {
  it('streams a chat without a web stream of its events', async () => {
    const events = countStreamsMadeBy('readableEvents')
    const response = await post('/v1/chat/completions', {
      model: 'demo',
      stream: true,
      messages: [{ role: 'user', content: 'a red fox' }],
    })
    const text = await response.text()
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(text).toMatch(/data: \[DONE\]\n\n$/)
    expect(events.made).toBe(0)
  })

  it('keeps the parts of a b64_json reply for the entry to write', async () => {
    const parts = countStreamsMadeBy('lazyPartsResponse')
    const response = await post('/v1/images/generations', {
      model: 'demo',
      prompt: 'a red fox',
      response_format: 'b64_json',
    })
    const reply = (await response.json()) as { data: { b64_json: string }[] }
    expect(response.status).toBe(200)
    expect(reply.data[0]!.b64_json.length).toBeGreaterThan(100)
    expect(parts.made).toBe(1)
  })
})
