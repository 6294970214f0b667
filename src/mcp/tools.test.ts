import MarkdownIt from 'markdown-it'
import { describe, expect, it } from 'vitest'
import { testApp } from '../app-testing.ts'
import { sniffImage } from '../image/sniff.ts'

/** The MCP tools through `POST /mcp` on an app in memory with the demo provider. */

type App = ReturnType<typeof testApp>

const rpc = (
  app: App,
  method: string,
  params: object,
  accept = 'application/json',
  version = '2025-11-25',
) =>
  app.request('/mcp', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: accept,
      ...(version && { 'MCP-Protocol-Version': version }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })

/** A tools/call answered as JSON: its result (or error). */
async function call(app: App, name: string, args?: unknown) {
  const response = await rpc(app, 'tools/call', { name, arguments: args })
  expect(response.status).toBe(200)
  return response.json()
}

const toolError = async (app: App, name: string, args: unknown) => {
  const { result } = await call(app, name, args)
  expect(result).toEqual({ content: [{ type: 'text', text: expect.any(String) }], isError: true })
  return result.content[0].text as string
}

const open = () => testApp({ RATE_LIMIT: '0' })

describe('tools/list', () => {
  it('lists the tools with JSON Schemas for their input and output', async () => {
    const { result } = await (await rpc(open(), 'tools/list', {})).json()
    const byName = Object.fromEntries(
      result.tools.map((tool: { name: string }) => [tool.name, tool]),
    )
    expect(Object.keys(byName).sort()).toEqual(['edit_image', 'generate_image', 'list_models'])
    const generate = byName.generate_image
    expect(generate.inputSchema).toMatchObject({
      type: 'object',
      required: ['prompt'],
      properties: {
        prompt: { type: 'string' },
        seed: { type: 'integer', minimum: -1 },
        n: { type: 'integer', minimum: 1, maximum: 4 },
        enhance: { type: 'boolean' },
        aspect_ratio: { type: 'string' },
      },
    })
    expect(generate.outputSchema.required).toEqual(['url', 'urls', 'size', 'seed', 'model'])
    expect(byName.edit_image.inputSchema).toMatchObject({
      required: ['prompt', 'images'],
      properties: {
        images: { type: 'array', minItems: 1, maxItems: 16 },
        mask: { type: 'string' },
      },
    })
    expect(byName.edit_image.outputSchema).toEqual(generate.outputSchema)
    expect(byName.list_models.annotations.readOnlyHint).toBe(true)
  })
})

describe('generate_image', () => {
  it('answers links: markdown, a resource link, and the structured summary', async () => {
    const app = open()
    const { result } = await call(app, 'generate_image', {
      prompt: 'a fox',
      size: '512x256',
      seed: 7,
    })
    const [text, link] = result.content
    const url = result.structuredContent.url as string
    expect(url).toMatch(/^http:\/\/localhost\/image\/[\w-]{22,64}$/)
    expect(result.structuredContent).toEqual({
      url,
      urls: [url],
      size: '512x256',
      seed: 7,
      model: 'demo',
    })
    expect(text.type).toBe('text')
    expect(text.text).toContain(`![a fox](${url})\nLink: ${url}`)
    expect(text.text).toContain('512x256, seed 7, model demo')
    expect(link).toEqual({
      type: 'resource_link',
      uri: url,
      name: url.split('/').pop(),
      mimeType: 'image/png',
    })
    const image = await app.request(new URL(url).pathname)
    expect(sniffImage(new Uint8Array(await image.arrayBuffer()))).toMatchObject({
      width: 512,
      height: 256,
    })
  })

  it('draws an aspect ratio at its preset size, n images, links on PUBLIC_URL', async () => {
    const app = testApp({ RATE_LIMIT: '0', PUBLIC_URL: 'https://img.example' })
    const { result } = await call(app, 'generate_image', {
      prompt: 'a fox',
      aspect_ratio: '16:9',
      n: 2,
    })
    expect(result.structuredContent).toMatchObject({ size: '1024x576', model: 'demo' })
    expect(result.structuredContent.urls).toHaveLength(2)
    for (const url of result.structuredContent.urls)
      expect(url).toMatch(/^https:\/\/img\.example\/image\//)
    expect(
      result.content.filter((item: { type: string }) => item.type === 'resource_link'),
    ).toHaveLength(2)
  })

  it('leaves resource_link out for clients of versions before 2025-06-18', async () => {
    for (const version of ['', '2025-03-26', '2024-11-05']) {
      const args = { name: 'generate_image', arguments: { prompt: 'a fox', size: '64x64' } }
      const { result } = await (await rpc(open(), 'tools/call', args, undefined, version)).json()
      expect(result.content.map((item: { type: string }) => item.type)).toEqual(['text'])
      expect(result.content[0].text).toContain(`Link: ${result.structuredContent.url}`)
    }
  })

  it('keeps a prompt inert in the markdown', async () => {
    const prompt = 'a fox](https://evil.example/x.png) ![y'
    const { result } = await call(open(), 'generate_image', { prompt })
    const html = new MarkdownIt({ linkify: true }).render(result.content[0].text)
    expect(html).not.toMatch(/(?:href|src)="https:\/\/evil/)
    expect(html.match(/<img /g)).toHaveLength(1)
  })

  it('sends the image itself when there is no storage to link to', async () => {
    const app = testApp({ RATE_LIMIT: '0' }, { storage: null })
    const { result } = await call(app, 'generate_image', { prompt: 'a fox', size: '64x64' })
    expect(result.structuredContent).toMatchObject({ url: null, urls: [], size: '64x64' })
    expect(result.content[1]).toEqual({
      type: 'image',
      data: expect.any(String),
      mimeType: 'image/png',
    })
  })

  it.each([
    [{}, 'prompt is required.'],
    [{ prompt: '  ' }, 'The prompt is empty.'],
    [{ prompt: 'x', size: '1x1' }, 'size must be "WIDTHxHEIGHT"'],
    [
      { prompt: 'x', size: '512x512', aspect_ratio: '1:1' },
      'aspect_ratio cannot be combined with size.',
    ],
    [{ prompt: 'x', aspect_ratio: '16/9' }, 'aspect_ratio must be a ratio'],
    [{ prompt: 'x', seed: 2 ** 31 }, 'seed must be -1 (random) or a whole number'],
    [{ prompt: 'x', seed: '7' }, 'seed must be'],
    [{ prompt: 'x', n: 5 }, 'n must be a whole number from 1 to 4.'],
    [{ prompt: 'x', enhance: 'yes' }, 'enhance must be true or false.'],
  ])('answers bad arguments %j with a tool error the model can read', async (args, message) => {
    expect(await toolError(open(), 'generate_image', args)).toContain(message)
  })

  it('answers an unknown model, the rate limit and a failed upstream with tool errors', async () => {
    expect(await toolError(open(), 'generate_image', { prompt: 'x', model: 'nope' })).toMatch(
      /nope/,
    )
    const limited = testApp({ RATE_LIMIT: '1/60s' })
    expect((await call(limited, 'generate_image', { prompt: 'x' })).result.isError).toBeUndefined()
    expect(await toolError(limited, 'generate_image', { prompt: 'x' })).toMatch(/^Too many images/)
    const failing = testApp(
      { RATE_LIMIT: '0', SILICONFLOW_API_KEYS: 'sk-upstream-secret' },
      { fetch: async () => new Response('{"message":"boom"}', { status: 500 }) },
    )
    const text = await toolError(failing, 'generate_image', { prompt: 'x' })
    expect(text).not.toContain('sk-upstream-secret')
    expect(failing.logs.at(-1)).toMatchObject({
      route: '/mcp',
      status: 200,
      errorCode: expect.any(String),
    })
  })

  it('refuses an unknown tool and arguments that are no object with -32602', async () => {
    for (const [name, args] of [
      ['draw', {}],
      ['toString', {}],
      ['generate_image', 'a fox'],
      ['generate_image', ['a fox']],
    ]) {
      const { error } = await call(open(), name as string, args)
      expect(error?.code, `${name} ${JSON.stringify(args)}`).toBe(-32602)
    }
  })

  it('sends progress over an event stream when the client gave a token, then the answer', async () => {
    const app = open()
    const response = await rpc(
      app,
      'tools/call',
      {
        name: 'generate_image',
        arguments: { prompt: 'a fox', size: '64x64' },
        _meta: { progressToken: 'tok' },
      },
      'application/json, text/event-stream',
    )
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const messages = (await response.text())
      .split('\n\n')
      .filter((event) => event.startsWith('event: message\ndata: '))
      .map((event) => JSON.parse(event.slice('event: message\ndata: '.length)))
    const progress = messages.slice(0, -1)
    expect(progress.length).toBeGreaterThanOrEqual(2)
    progress.forEach((message, index) => {
      expect(message).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'tok', progress: index + 1, message: expect.any(String) },
      })
    })
    expect(progress.map((message) => message.params.message)).toContain('Drawing with demo on demo')
    expect(messages.at(-1)).toMatchObject({
      id: 1,
      result: { structuredContent: { size: '64x64' } },
    })
  })
})

describe('list_models', () => {
  it('names the default and every model with its providers', async () => {
    const { result } = await call(open(), 'list_models')
    expect(result.structuredContent).toEqual({
      default: 'demo',
      models: [{ id: 'demo', providers: ['demo'], edits: true }],
    })
    expect(result.content).toEqual([{ type: 'text', text: 'Default: demo\ndemo: demo (edits)' }])
  })
})
