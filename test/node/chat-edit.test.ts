import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeBase64 } from '../../src/bytes/base64.ts'
import { imageUrlOf, pngSize } from '../../src/chat/__fixtures__/sse.ts'
import { encodePng } from '../../src/image/png.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Image input in chat, through the official `openai` SDK against the Node server with the demo
 * provider (which edits offline, labelled DEMO EDIT, and keeps the input's shape): image parts,
 * this gateway's own links read from the store, `--edit` on the previous reply, and refusals
 * before anything is drawn.
 */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ RATE_LIMIT: '0' })
})
afterAll(() => gateway.close())

const openai = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'any', maxRetries: 0 })
type Message = OpenAI.ChatCompletionMessageParam

const photo = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))
const DATA_URI = `data:image/png;base64,${encodeBase64(photo)}`
const EDIT_LINE = '✏️ Edit · input images: 1  \n'

const withImage = (text: string, url: string): Message => ({
  role: 'user',
  content: [
    { type: 'text', text },
    { type: 'image_url', image_url: { url } },
  ],
})

async function ask(messages: Message[]): Promise<string> {
  const completion = await openai().chat.completions.create({ model: 'demo', messages })
  return completion.choices[0]!.message.content!
}

async function askStreamed(messages: Message[]): Promise<string> {
  const stream = await openai().chat.completions.create({ model: 'demo', messages, stream: true })
  let content = ''
  for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? ''
  return content
}

/** The bytes and size of the image a reply links to. */
async function imageOf(content: string) {
  const response = await fetch(imageUrlOf(content))
  expect(response.status).toBe(200)
  const bytes = new Uint8Array(await response.arrayBuffer())
  return { bytes, size: pngSize(bytes) }
}

/** Runs `work` and returns the log lines of the requests it made to /image/{key}. */
async function imageReadsDuring(work: () => Promise<unknown>) {
  const before = gateway.logs.length
  await work()
  return gateway.logs.slice(before).filter((line) => line.route === '/image/:key')
}

const storedImages = async () =>
  (await readdir(join(gateway.dataDir, 'images')).catch(() => [])).filter((n) => !n.startsWith('.'))

describe('image parts in the last user message', () => {
  it('edit a data: URI image: a different picture in the input shape, said to be an edit', async () => {
    const plain = await ask([{ role: 'user', content: 'make it blue --seed 7' }])
    const edited = await ask([withImage('make it blue --seed 7', DATA_URI)])
    expect(plain).not.toContain('✏️')
    expect(edited).toContain(`🎨 Original prompt: \`make it blue --seed 7\`  \n${EDIT_LINE}`)
    const [before, after] = [await imageOf(plain), await imageOf(edited)]
    expect(before.size).toEqual({ width: 1024, height: 1024 })
    // 40x30 at the default area, in multiples of 8: 4:3.
    expect(after.size).toEqual({ width: 1184, height: 888 })
    expect(Buffer.from(after.bytes).equals(Buffer.from(before.bytes))).toBe(false)
  })

  it("edit this gateway's own link from a previous reply, read from the store and not fetched", async () => {
    const first = await ask([{ role: 'user', content: 'a red fox 16:9 --seed 3' }])
    const link = imageUrlOf(first)
    // A link on 127.0.0.1 over plain http: fetching it would be refused as a private address.
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/image\//)
    let edited = ''
    const reads = await imageReadsDuring(async () => {
      edited = await ask([withImage('the fox in blue', link)])
    })
    expect(reads).toEqual([])
    expect(edited).toContain(EDIT_LINE)
    const size = (await imageOf(edited)).size
    expect(size.width / size.height).toBeCloseTo(16 / 9, 1)
  })

  it('takes the string form of image_url and Responses-style input_image parts', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'two cats' },
              { type: 'image_url', image_url: DATA_URI },
              { type: 'input_image', image_url: DATA_URI },
            ],
          },
        ],
      }),
    })
    expect(response.status).toBe(200)
    const content: string = (await response.json()).choices[0].message.content
    expect(content).toContain('✏️ Edit · input images: 2  \n')
  })
})

describe('--edit', () => {
  it('edits the image of the previous reply, sent back as a client sends the conversation', async () => {
    const messages: Message[] = [{ role: 'user', content: 'a lighthouse at dusk 16:9 --seed 11' }]
    const first = await ask(messages)
    messages.push({ role: 'assistant', content: first })
    messages.push({ role: 'user', content: 'now at night --edit --seed 11' })
    for (const send of [ask, askStreamed]) {
      let reply = ''
      const reads = await imageReadsDuring(async () => {
        reply = await send(messages)
      })
      expect(reads).toEqual([])
      expect(reply).toContain(
        `🎨 Original prompt: \`now at night --edit --seed 11\`  \n${EDIT_LINE}`,
      )
      const edited = await imageOf(reply)
      expect(edited.size.width / edited.size.height).toBeCloseTo(16 / 9, 1)
      const plain = await imageOf(await ask([{ role: 'user', content: 'now at night --seed 11' }]))
      expect(plain.size).toEqual({ width: 1024, height: 1024 })
    }
  })

  it('adds image parts after the reply image, as references', async () => {
    const first = await ask([{ role: 'user', content: 'a hat' }])
    const reply = await ask([
      { role: 'user', content: 'a hat' },
      { role: 'assistant', content: first },
      withImage('put this hat on it --edit', DATA_URI),
    ])
    expect(reply).toContain('✏️ Edit · input images: 2  \n')
  })
})

describe('refused with a 400 before anything is drawn, streamed or not', () => {
  async function refusal(messages: unknown[], stream: boolean) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages, stream }),
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('x-should-retry')).toBe('false')
    return (await response.json()).error
  }

  it('--edit with no image of this gateway earlier in the conversation', async () => {
    const stored = await storedImages()
    const conversations = [
      [{ role: 'user', content: 'make it blue --edit' }],
      [
        { role: 'user', content: 'a fox' },
        { role: 'assistant', content: '❌ Image generation failed: busy' },
        { role: 'user', content: 'make it blue --edit' },
      ],
    ]
    for (const messages of conversations) {
      for (const stream of [false, true]) {
        const error = await refusal(messages, stream)
        expect(error).toMatchObject({
          type: 'invalid_request_error',
          code: 'image_required',
          param: `messages.${messages.length - 1}.content`,
        })
      }
    }
    const sdk = await openai()
      .chat.completions.create({
        messages: [{ role: 'user', content: 'bluer --edit' }],
        model: 'x',
      })
      .catch((error: unknown) => error)
    expect(sdk).toBeInstanceOf(OpenAI.BadRequestError)
    expect(await storedImages()).toEqual(stored)
  })

  it('image links on private addresses, plain http or no URL at all', async () => {
    const stored = await storedImages()
    const links = [
      'http://10.0.0.1/cat.png',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/cat.png',
      'http://images.example/cat.png',
      `http://127.0.0.1:1/image/${'k'.repeat(24)}`,
    ]
    for (const url of links) {
      for (const stream of [false, true]) {
        const error = await refusal([withImage('make it blue', url)], stream)
        expect(error, url).toMatchObject({
          code: 'invalid_image',
          param: 'messages.0.content.1.image_url',
        })
        expect(error.message, url).toMatch(/^Could not read image: refused to fetch the URL: it /)
      }
    }
    const shapeless = await refusal([withImage('make it blue', 'cat.png')], true)
    expect(shapeless.message).toMatch(/image_url must be an https URL, a data: URI or a link/)
    expect(await storedImages()).toEqual(stored)
    const refused = gateway.logs.filter((line) => line.status === 400)
    expect(refused.length).toBeGreaterThanOrEqual(links.length * 2)
    expect(refused.every((line) => line.provider === undefined)).toBe(true)
  })
})
