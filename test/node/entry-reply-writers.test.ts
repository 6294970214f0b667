import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { countStreamsMadeBy } from '../../src/runtime/node-response-testing.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * The Node entry hands the app its own reply makers (src/runtime/node.ts): an event stream's
 * events go to the socket without a web stream, an Images reply's parts are kept for one writev,
 * and a keyed request's whole reply is recorded from the body it was made with. Each gives the
 * same bytes as the plain path it replaces, so only what they build tells whether the entry
 * passed them: web streams, counted by who made them.
 */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ RATE_LIMIT: '0' })
})
afterAll(() => gateway.close())
afterEach(() => vi.unstubAllGlobals())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
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

  it('records a keyed whole reply without reading it back out of the response', async () => {
    const readBack = countStreamsMadeBy('replay-cache')
    const chat = {
      model: 'demo',
      messages: [{ role: 'user', content: 'a red fox' }],
    }
    const key = { 'Idempotency-Key': `entry-${Date.now()}` }
    const first = await post('/v1/chat/completions', chat, key)
    const firstText = await first.text()
    expect(first.status).toBe(200)
    expect(JSON.parse(firstText).choices[0].message.content).toMatch(/!\[/)
    expect(readBack.made).toBe(0)
    // The retry gets the reply recorded from the first one's body, byte for byte (played back
    // from the recording: that one is a stream of the replay cache's own).
    const replay = await post('/v1/chat/completions', chat, key)
    expect(await replay.text()).toBe(firstText)
  })
})
