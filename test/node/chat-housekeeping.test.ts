import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { streamText } from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chatBoxName,
  NEXTCHAT_SUMMARY,
  NEXTCHAT_TITLE,
  NEXTCHAT_TITLE_ZH,
  openWebUi,
} from '../../src/chat/__fixtures__/client-wordings.ts'
import { parseSse } from '../../src/chat/__fixtures__/sse.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** Housekeeping prompts, sent the way each client sends them, never cost an image. */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway()
})
afterAll(() => gateway.close())

const history = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'a lighthouse on a cliff at night 16:9' },
  { role: 'assistant', content: '🎨 Original prompt: ...\n\n![a lighthouse](http://x/image/k)' },
]

async function ask(body: Record<string, unknown>) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', ...body }),
  })
  expect(response.status).toBe(200)
  return response
}

async function answerOf(messages: unknown[]): Promise<string> {
  const body = await (await ask({ messages, stream: false })).json()
  expect(body).toMatchObject({
    object: 'chat.completion',
    model: 'demo',
    choices: [{ message: { role: 'assistant' }, finish_reason: 'stop' }],
  })
  return body.choices[0].message.content
}

async function streamedAnswerOf(messages: unknown[]): Promise<string> {
  const response = await ask({ messages, stream: true, stream_options: { include_usage: true } })
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
  const blocks = parseSse(await response.text())
  const data = blocks.flatMap((block) => (block.kind === 'data' ? [block.data] : []))
  expect(data.at(-1)).toBe('[DONE]')
  const chunks = data.slice(0, -1).map((text) => JSON.parse(text))
  expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' })
  expect(chunks.at(-2).choices[0].finish_reason).toBe('stop')
  expect(chunks.at(-1).choices).toEqual([])
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')
}

describe('housekeeping prompts', () => {
  it('NextChat title (stream: false, English and Chinese UI)', async () => {
    expect(await answerOf([...history, { role: 'user', content: NEXTCHAT_TITLE }])).toBe(
      'A lighthouse on a cliff',
    )
    expect(await answerOf([...history, { role: 'user', content: NEXTCHAT_TITLE_ZH }])).toBe(
      'A lighthouse on a cliff',
    )
  })

  it('NextChat memory summary (stream: true, trailing system message)', async () => {
    const text = await streamedAnswerOf([...history, { role: 'system', content: NEXTCHAT_SUMMARY }])
    expect(text).toBe('The user asked for images of: "a lighthouse on a cliff at night"')
  })

  it('Open WebUI title, tags and follow-ups answer the JSON each parses', async () => {
    const prompt = 'a red fox in the snow --seed 3'
    const title = JSON.parse(await answerOf([{ role: 'user', content: openWebUi.title(prompt) }]))
    expect(title).toEqual({ title: '🎨 A red fox in the' })
    const tags = JSON.parse(await answerOf([{ role: 'user', content: openWebUi.tags(prompt) }]))
    expect(Object.keys(tags)).toEqual(['tags'])
    expect(tags.tags.length).toBeGreaterThan(0)
    const followUps = JSON.parse(
      await streamedAnswerOf([{ role: 'user', content: openWebUi.followUps(prompt) }]),
    )
    expect(followUps.follow_ups).toHaveLength(3)
    expect(followUps.follow_ups[0]).toBe('a red fox in the snow 16:9')
  })

  it('Open WebUI other tasks answer parseable JSON', async () => {
    const queries = await answerOf([{ role: 'user', content: openWebUi.queries('a cat') }])
    expect(JSON.parse(queries)).toEqual({ queries: [] })
  })

  it('ChatBox naming, through the AI SDK as ChatBox sends it', async () => {
    const provider = createOpenAICompatible({
      name: 'chatbox',
      baseURL: `${gateway.url}/v1`,
      apiKey: 'none',
    })
    const result = streamText({
      model: provider.chatModel('flux'),
      messages: [{ role: 'user', content: chatBoxName('a tiny robot watering plants') }],
      maxRetries: 0,
    })
    let text = ''
    for await (const delta of result.textStream) text += delta
    expect(await result.finishReason).toBe('stop')
    expect(text).toBe('A tiny robot')
  })

  it('are answered the same with image parts in the conversation, reading none of them', async () => {
    // Each would be refused if it were read: a private address, and a data: URI of no image.
    const unreadable = [
      { type: 'image_url', image_url: { url: 'http://10.0.0.1/private.png' } },
      { type: 'image_url', image_url: 'data:image/png;base64,bm90IGFuIGltYWdl' },
    ]
    const edit = {
      role: 'user',
      content: [{ type: 'text', text: 'the lighthouse in fog --edit' }, ...unreadable],
    }
    // NextChat sends the whole conversation, images and all, with its summary request last.
    const summary = await streamedAnswerOf([
      ...history,
      edit,
      { role: 'assistant', content: '🎨 Original prompt: `the lighthouse in fog --edit`' },
      { role: 'system', content: NEXTCHAT_SUMMARY },
    ])
    expect(summary).toBe(
      'The user asked for images of: "a lighthouse on a cliff at night"; "the lighthouse in fog"',
    )
    const titleRequest = {
      role: 'user',
      content: [{ type: 'text', text: NEXTCHAT_TITLE }, ...unreadable],
    }
    expect(await answerOf([...history, titleRequest])).toBe('A lighthouse on a cliff')
  })

  // Runs last: every client's wording above went through this one gateway.
  it('never generated an image for any of them', async () => {
    expect(await readdir(join(gateway.dataDir, 'images'))).toEqual([])
  })

  it('notes the housekeeping kind in the request log', () => {
    const kinds = gateway.logs.map((line) => line.housekeeping).filter(Boolean)
    expect(kinds).toEqual(
      expect.arrayContaining([
        'nextchat-title',
        'nextchat-summary',
        'openwebui-title',
        'openwebui-tags',
        'openwebui-follow-ups',
        'openwebui-task',
        'chatbox-name',
      ]),
    )
  })
})
