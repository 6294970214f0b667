import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { LATEST_PROTOCOL_VERSION, type Progress } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../src/image/sniff.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** The official MCP TypeScript client over Streamable HTTP against the real Node server. */

const API_KEY = 'mcp-test-key-0123456789'
let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ API_KEY })
})
afterAll(() => gateway.close())

async function connect(options: { key?: string | null; viaQuery?: boolean } = {}) {
  const key = options.key === undefined ? API_KEY : options.key
  const url = new URL(`${gateway.url}/mcp`)
  if (options.viaQuery && key) url.searchParams.set('key', key)
  const headers: Record<string, string> =
    key && !options.viaQuery ? { Authorization: `Bearer ${key}` } : {}
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } })
  const client = new Client({ name: 'fluxgate-test', version: '1.0.0' })
  await client.connect(transport)
  return { client, transport }
}

/** The image behind a link the gateway handed out. */
async function fetchImage(url: string) {
  expect(url.startsWith(`${gateway.url}/image/`)).toBe(true)
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return sniffImage(new Uint8Array(await response.arrayBuffer()))
}

type ToolResult = Awaited<ReturnType<Client['callTool']>> & {
  structuredContent?: Record<string, unknown>
}

describe('MCP TypeScript SDK client', () => {
  it('connects, agrees on the newest protocol version and lists the tools', async () => {
    const { client, transport } = await connect()
    expect(transport.protocolVersion).toBe(LATEST_PROTOCOL_VERSION)
    // Stateless: the client is given no session.
    expect(transport.sessionId).toBeUndefined()
    expect(client.getServerVersion()).toEqual({ name: 'fluxgate', version: '1' })
    expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: false } })
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'edit_image',
      'generate_image',
      'list_models',
    ])
    await client.ping()
    await client.close()
  })

  it('calls generate_image and gets a link to the image, checked against its outputSchema', async () => {
    const { client } = await connect()
    // Listing first: the client then validates structuredContent against the outputSchema.
    await client.listTools()
    const result = (await client.callTool({
      name: 'generate_image',
      arguments: { prompt: 'a lighthouse at dusk', aspect_ratio: '3:2', seed: 11 },
    })) as ToolResult
    expect(result.isError).toBeFalsy()
    const structured = result.structuredContent as { url: string; size: string; seed: number }
    expect(structured).toMatchObject({ size: '768x512', seed: 11, model: 'demo' })
    expect(result.content).toContainEqual({
      type: 'resource_link',
      uri: structured.url,
      name: expect.any(String),
      mimeType: 'image/png',
    })
    expect(await fetchImage(structured.url)).toEqual({
      contentType: 'image/png',
      width: 768,
      height: 512,
    })
    await client.close()
  })

  it('calls edit_image on the link generate_image gave', async () => {
    const { client } = await connect()
    await client.listTools()
    const drawn = (await client.callTool({
      name: 'generate_image',
      arguments: { prompt: 'a fox', size: '256x256' },
    })) as ToolResult
    const edited = (await client.callTool({
      name: 'edit_image',
      arguments: { prompt: 'the fox at night', images: [drawn.structuredContent?.url] },
    })) as ToolResult
    expect(edited.isError).toBeFalsy()
    const { url, size } = edited.structuredContent as { url: string; size: string }
    expect(size).toBe('1024x1024')
    expect(url).not.toBe(drawn.structuredContent?.url)
    expect(await fetchImage(url)).toMatchObject({ width: 1024, height: 1024 })
    await client.close()
  })

  it('calls list_models', async () => {
    const { client } = await connect()
    await client.listTools()
    const result = (await client.callTool({ name: 'list_models', arguments: {} })) as ToolResult
    expect(result.structuredContent).toEqual({
      default: 'demo',
      models: [{ id: 'demo', providers: ['demo'], edits: true }],
    })
    await client.close()
  })

  it('hears progress while an image is drawn when it passes onprogress', async () => {
    const { client } = await connect()
    const heard: Progress[] = []
    const result = (await client.callTool(
      { name: 'generate_image', arguments: { prompt: 'a red fox', size: '256x256' } },
      undefined,
      { onprogress: (progress) => heard.push(progress) },
    )) as ToolResult
    expect(result.structuredContent).toMatchObject({ size: '256x256' })
    expect(heard.length).toBeGreaterThanOrEqual(2)
    expect(heard.map((progress) => progress.progress)).toEqual(heard.map((_, index) => index + 1))
    expect(heard.map((progress) => progress.message)).toContain('Drawing with demo on demo')
    await client.close()
  })

  it('gets a tool error it can read for a bad argument, and no image', async () => {
    const { client } = await connect()
    const result = (await client.callTool({
      name: 'generate_image',
      arguments: { prompt: 'a fox', n: 9 },
    })) as ToolResult
    expect(result.isError).toBe(true)
    expect(result.content).toEqual([
      { type: 'text', text: 'n must be a whole number from 1 to 4.' },
    ])
    await client.close()
  })

  it('is refused with 401 without a key, and accepted with ?key=', async () => {
    await expect(connect({ key: null })).rejects.toMatchObject({ code: 401 })
    await expect(connect({ key: 'wrong-key' })).rejects.toMatchObject({ code: 401 })
    const { client } = await connect({ viaQuery: true })
    expect((await client.listTools()).tools).toHaveLength(3)
    await client.close()
    const lines = JSON.stringify(gateway.logs)
    expect(lines).toContain('"route":"/mcp"')
    expect(lines).not.toContain(API_KEY)
  })
})

describe('POST /mcp over raw HTTP', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/mcp`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${API_KEY}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
    })

  it('answers a parse error, an unknown method and a notification as the protocol says', async () => {
    const parse = await post('{"jsonrpc":')
    expect(parse.status).toBe(400)
    expect((await parse.json()).error.code).toBe(-32700)
    const unknown = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'prompts/list' }))
    expect(unknown.status).toBe(200)
    expect(await unknown.json()).toMatchObject({ id: 1, error: { code: -32601 } })
    const notification = await post(
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    )
    expect(notification.status).toBe(202)
    expect(await notification.text()).toBe('')
  })

  it('answers GET with 405, so clients know there is no stream to open', async () => {
    const response = await fetch(`${gateway.url}/mcp`, {
      headers: { Authorization: `Bearer ${API_KEY}`, Accept: 'text/event-stream' },
    })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })
})
