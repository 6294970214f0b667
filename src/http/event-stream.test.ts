import { describe, expect, it } from 'vitest'
import { eventStream, JsonParts } from './event-stream.ts'

const decoder = new TextDecoder()

describe('eventStream', () => {
  it('writes named and unnamed events, JSON or as given, and closes when produce ends', async () => {
    let closes = 0
    const stream = eventStream(
      { signal: new AbortController().signal, onClose: () => closes++ },
      async (send) => {
        send({ type: 'image_generation.completed', b64_json: 'AA==' }, 'image_generation.completed')
        send({ id: 1 })
        send('[DONE]')
      },
    )
    expect(await new Response(stream).text()).toBe(
      'event: image_generation.completed\ndata: {"type":"image_generation.completed","b64_json":"AA=="}\n\n' +
        'data: {"id":1}\n\n' +
        'data: [DONE]\n\n',
    )
    expect(closes).toBe(1)
  })

  it("sends an event's JSON given as byte parts as they are, in order with the others", async () => {
    const encode = (text: string) => new TextEncoder().encode(text)
    const json = new JsonParts([
      encode('{"type":"image_edit.completed","b64_json":"'),
      encode('/9j/'),
      encode('"}'),
    ])
    const stream = eventStream({ signal: new AbortController().signal }, async (send) => {
      send({ n: 1 })
      send(json, 'image_edit.completed')
      // An array of bytes is not parts: it goes as JSON, like any other value.
      send([encode('A')])
      send('[DONE]')
    })
    const chunks: Uint8Array[] = []
    const reader = stream.getReader()
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks.push(read.value)
    }
    // Each part is a chunk of its own, not joined into a copy.
    expect(chunks).toContain(json.parts[1])
    expect(await new Response(new Blob(chunks as Uint8Array<ArrayBuffer>[])).text()).toBe(
      'data: {"n":1}\n\n' +
        'event: image_edit.completed\ndata: {"type":"image_edit.completed","b64_json":"/9j/"}\n\n' +
        'data: [{"0":65}]\n\n' +
        'data: [DONE]\n\n',
    )
  })

  it('sends `: keep-alive` comments while produce waits', async () => {
    let heard = () => {}
    const keptAlive = new Promise<void>((resolve) => (heard = resolve))
    const stream = eventStream(
      { signal: new AbortController().signal, keepAliveMs: 5 },
      async (send) => {
        await keptAlive
        send({ done: true })
      },
    )
    const reader = stream.getReader()
    let text = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value)
      if (text.includes(': keep-alive\n\n')) heard()
    }
    expect(text.startsWith(': keep-alive\n\n')).toBe(true)
    expect(text.endsWith('data: {"done":true}\n\n')).toBe(true)
  })

  it('aborts the signal handed to produce when the client leaves, and closes once', async () => {
    let closes = 0
    let aborted = false
    let sendAfter: (() => void) | undefined
    const finished = new Promise<void>((resolve) => {
      const stream = eventStream(
        { signal: new AbortController().signal, onClose: () => closes++ },
        async (send, signal) => {
          send({ started: true })
          await new Promise((wake) => signal.addEventListener('abort', wake))
          aborted = true
          sendAfter = () => send({ late: true })
          resolve()
        },
      )
      const reader = stream.getReader()
      void reader.read().then(() => reader.cancel())
    })
    await finished
    expect(aborted).toBe(true)
    // Writing after the client left is a no-op, not an error on a closed stream.
    expect(sendAfter).not.toThrow()
    expect(closes).toBe(1)
  })

  it("aborts produce's signal when the client's own signal aborts", async () => {
    const client = new AbortController()
    const seen = new Promise<boolean>((resolve) => {
      const stream = eventStream({ signal: client.signal }, async (_, signal) => {
        await new Promise((wake) => signal.addEventListener('abort', wake))
        resolve(signal.aborted)
      })
      void new Response(stream).text()
    })
    client.abort()
    expect(await seen).toBe(true)
  })
})
