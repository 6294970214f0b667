import { describe, expect, it } from 'vitest'
import { KEEP_ALIVE_MS } from '../http/event-stream.ts'
import { newCompletionMeta } from './completion.ts'
import { chatStream } from './stream.ts'

const meta = newCompletionMeta('demo', 1_700_000_000_123)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function options(overrides: Partial<Parameters<typeof chatStream>[0]> = {}) {
  return {
    meta,
    prompt: 'a cat',
    includeUsage: false,
    signal: new AbortController().signal,
    describeError: (error: unknown) => ({
      text: `failed: ${(error as Error).message}`,
      body: { error: { message: (error as Error).message, code: 'upstream_error' } },
    }),
    ...overrides,
  }
}

/** Splits raw SSE text into its blocks: `data: ...` payloads and `: comment` lines. */
function blocks(raw: string): string[] {
  expect(raw.endsWith('\n\n')).toBe(true)
  return raw.slice(0, -2).split('\n\n')
}

const payload = (block: string) => JSON.parse(block.slice('data: '.length))

describe('chatStream', () => {
  it('writes role, content, stop, [DONE] in order with the same id, created and model', async () => {
    const stream = chatStream(options(), async (emit) => {
      emit('hello ')
      emit('')
      emit('world')
    })
    const parts = blocks(await new Response(stream).text())
    expect(parts.at(-1)).toBe('data: [DONE]')
    const chunks = parts.slice(0, -1).map(payload)
    expect(chunks.map((chunk) => chunk.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'hello ' },
      { content: 'world' },
      {},
    ])
    expect(chunks.map((chunk) => chunk.choices[0].finish_reason)).toEqual([
      null,
      null,
      null,
      'stop',
    ])
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: meta.id,
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: 'demo',
      })
    }
  })

  it('adds a usage chunk with no choices before [DONE] only when asked', async () => {
    const stream = chatStream(options({ includeUsage: true, prompt: 'abcdefgh' }), async (emit) =>
      emit('12345'),
    )
    const parts = blocks(await new Response(stream).text())
    expect(parts.at(-1)).toBe('data: [DONE]')
    expect(payload(parts.at(-2)!)).toEqual({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: 'demo',
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
    })
    expect(payload(parts.at(-3)!).choices[0].finish_reason).toBe('stop')
  })

  it('tells a failure as readable content, then as an error object, with no event: lines', async () => {
    const stream = chatStream(options({ includeUsage: true }), async (emit) => {
      emit('working\n')
      throw new Error('upstream exploded')
    })
    const raw = await new Response(stream).text()
    expect(raw).not.toMatch(/^event:/m)
    const parts = blocks(raw)
    expect(parts.at(-1)).toBe('data: [DONE]')
    // No stop chunk and no usage: a finish_reason after the error would read as success.
    expect(parts.slice(0, -1).map(payload).slice(-2)).toEqual([
      expect.objectContaining({
        choices: [expect.objectContaining({ delta: { content: '\nfailed: upstream exploded' } })],
      }),
      { error: { message: 'upstream exploded', code: 'upstream_error' } },
    ])
    expect(raw).not.toContain('"finish_reason":"stop"')
  })

  it('sends a whole delta, such as images, as one chunk of its own', async () => {
    const images = [{ type: 'image_url' as const, image_url: { url: 'data:,x' }, index: 0 }]
    const stream = chatStream(options({ includeUsage: true, prompt: 'abcd' }), async (emit) => {
      emit('1234')
      emit({ images })
      emit({})
    })
    const chunks = blocks(await new Response(stream).text())
      .slice(0, -1)
      .map(payload)
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: '1234' },
      { images },
      {},
      undefined,
    ])
    expect(chunks.at(-1).usage.completion_tokens).toBe(1)
  })

  it('sends `: keep-alive` comments while waiting', async () => {
    const stream = chatStream(options({ keepAliveMs: 20 }), async (emit) => {
      await sleep(110)
      emit('done')
    })
    const parts = blocks(await new Response(stream).text())
    expect(parts[0]).toMatch(/^data: /)
    const comments = parts.filter((part) => part === ': keep-alive')
    expect(comments.length).toBeGreaterThanOrEqual(2)
    // Comments come between the role chunk and the content, not after the end.
    expect(parts.lastIndexOf(': keep-alive')).toBeLessThan(parts.length - 3)
  })

  it('keeps the default keep-alive interval at most 10 s, as SSE clients expect', () => {
    expect(KEEP_ALIVE_MS).toBeGreaterThan(0)
    expect(KEEP_ALIVE_MS).toBeLessThanOrEqual(10_000)
  })

  it('aborts the producer when the client cancels the stream', async () => {
    let seen: AbortSignal | undefined
    const stream = chatStream(options({ keepAliveMs: 10 }), async (_emit, signal) => {
      seen = signal
      await new Promise((resolve) => signal.addEventListener('abort', resolve))
    })
    const reader = stream.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toContain('"role":"assistant"')
    await reader.cancel()
    expect(seen?.aborted).toBe(true)
  })

  it("aborts the producer when the request's own signal aborts", async () => {
    const client = new AbortController()
    let seen: AbortSignal | undefined
    const stream = chatStream(options({ signal: client.signal }), async (_emit, signal) => {
      seen = signal
      await new Promise((resolve) => signal.addEventListener('abort', resolve))
    })
    const reader = stream.getReader()
    await reader.read()
    client.abort()
    expect(seen?.aborted).toBe(true)
    await reader.cancel()
  })
})
