import { describe, expect, it } from 'vitest'
import { testApp } from '../app-testing.ts'
import { eventStream } from './event-stream.ts'

/** The event stream of an MCP answer: order, keep-alive, and a client that leaves. */

const decoder = new TextDecoder()

describe('eventStream', () => {
  it('sends each message as an event, keeps the line alive while waiting, then closes', async () => {
    let release = () => {}
    const waiting = new Promise<void>((resolve) => (release = resolve))
    let closed = 0
    const stream = eventStream(
      { signal: new AbortController().signal, keepAliveMs: 5, onClose: () => closed++ },
      async (send) => {
        send({ n: 1 })
        await waiting
        send({ n: 2 })
      },
    )
    const reader = stream.getReader()
    let text = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value)
      // Released only once a keep-alive went out, so the wait is the test's, not a timer's.
      if (text.includes(': keep-alive\n\n')) release()
    }
    const events = text.split('\n\n').filter((event) => event && !event.startsWith(':'))
    expect(events).toEqual(['event: message\ndata: {"n":1}', 'event: message\ndata: {"n":2}'])
    expect(closed).toBe(1)
  })

  it('aborts the work and closes once when the client cancels', async () => {
    let aborted = false
    let closed = 0
    const stream = eventStream(
      { signal: new AbortController().signal, onClose: () => closed++ },
      (_, signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true
            resolve()
          }),
        ),
    )
    await stream.cancel()
    expect(aborted).toBe(true)
    expect(closed).toBe(1)
  })
})

describe('POST /mcp with a progress token', () => {
  it('aborts the generation when the client leaves the stream', async () => {
    let markLeft = () => {}
    const left = new Promise<void>((resolve) => (markLeft = resolve))
    const app = testApp(
      { RATE_LIMIT: '0' },
      {
        // A prompt preparer that waits for its signal: the generation is under way until then.
        createPromptPreparer: () => (_, options) =>
          new Promise((_, reject) =>
            options.signal.addEventListener('abort', () => {
              markLeft()
              reject(options.signal.reason)
            }),
          ),
      },
    )
    const response = await app.request('/mcp', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'generate_image', arguments: { prompt: 'x' }, _meta: { progressToken: 1 } },
      }),
    })
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await response.body!.cancel()
    await left
    expect(app.logs.at(-1)).toMatchObject({ route: '/mcp', status: 200 })
  })
})
