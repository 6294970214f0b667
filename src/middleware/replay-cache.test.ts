import { describe, expect, it } from 'vitest'
import { createReplayCache, playback, record } from './replay-cache.ts'

const bytes = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(new ArrayBuffer(n)).fill(65)
const recordingOf = (body: Uint8Array<ArrayBuffer>) => record(new Response(body), [])

describe('createReplayCache', () => {
  const setup = (limits: { maxEntries?: number; maxBytes?: number } = {}) => {
    const clock = { now: 0 }
    const cache = createReplayCache({
      maxEntries: limits.maxEntries ?? 10,
      maxBytes: limits.maxBytes ?? 1000,
      ttlMs: 100,
      now: () => clock.now,
    })
    const finish = async (id: string, size: number) => {
      const recording = recordingOf(bytes(size))
      const entry = cache.begin(id, 'f', Promise.resolve(recording))
      await recording.ended
      cache.settle(id, entry, recording.bytes)
    }
    return { clock, cache, finish }
  }

  it('forgets a finished entry after its time', async () => {
    const { clock, cache, finish } = setup()
    await finish('a', 10)
    clock.now = 99
    expect(cache.get('a')).toBeDefined()
    clock.now = 100
    expect(cache.get('a')).toBeUndefined()
    expect(cache.bytes).toBe(0)
  })

  it('evicts the oldest entries to stay within the entry and byte bounds', async () => {
    const { cache, finish } = setup({ maxEntries: 2, maxBytes: 100 })
    await finish('a', 10)
    await finish('b', 10)
    await finish('c', 10)
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([
      false,
      true,
      true,
    ])
    await finish('d', 95)
    expect([cache.get('c'), cache.get('d')].map(Boolean)).toEqual([false, true])
    expect(cache.bytes).toBe(95)
  })

  it('keeps nothing over the byte bound, and nothing it is told not to replay', async () => {
    const { cache, finish } = setup({ maxBytes: 100 })
    await finish('big', 101)
    expect(cache.get('big')).toBeUndefined()
    const entry = cache.begin('failed', 'f', Promise.resolve(recordingOf(bytes(1))))
    expect(cache.get('failed')).toBe(entry)
    cache.settle('failed', entry, null)
    expect(cache.get('failed')).toBeUndefined()
  })
})

describe('playback', () => {
  it('gives a late listener what was sent so far, then the rest live', async () => {
    let push!: ReadableStreamDefaultController<Uint8Array>
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        push = controller
      },
    })
    const recording = record(new Response(source), [])
    push.enqueue(new TextEncoder().encode('one '))
    await new Promise((resolve) => setTimeout(resolve, 0))
    const late = new Response(playback(recording)).text()
    push.enqueue(new TextEncoder().encode('two'))
    push.close()
    expect(await late).toBe('one two')
    expect(await new Response(playback(recording)).text()).toBe('one two')
  })
})
