import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { startBundle } from './miniflare.ts'

/** `POST /mcp` on dist/worker.js in workerd, driven by the official MCP client (demo provider). */

let mf: Miniflare
beforeAll(async () => {
  mf = await startBundle({ bindings: { API_KEY: 'worker-mcp-key-0123456789' } })
})
afterAll(async () => {
  await mf?.dispose()
})

/** The MCP client, its HTTP calls dispatched into the Worker. */
async function connect() {
  const transport = new StreamableHTTPClientTransport(new URL('https://gw.example/mcp'), {
    requestInit: { headers: { Authorization: 'Bearer worker-mcp-key-0123456789' } },
    // Miniflare speaks undici's Request and Response types, which the Web ones match at run time.
    fetch: ((url, init) => mf.dispatchFetch(url as string, init as never)) as typeof fetch,
  })
  const client = new Client({ name: 'fluxgate-worker-test', version: '1.0.0' })
  await client.connect(transport)
  return client
}

describe('MCP on dist/worker.js', () => {
  it('lists the tools and draws an image whose link the Worker serves from KV', async () => {
    const client = await connect()
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'edit_image',
      'generate_image',
      'list_models',
    ])
    const progress: string[] = []
    const result = await client.callTool(
      { name: 'generate_image', arguments: { prompt: 'a lighthouse', size: '256x128' } },
      undefined,
      { onprogress: ({ message }) => progress.push(message ?? '') },
    )
    expect(progress).toContain('Drawing with demo on demo')
    const { url, size } = result.structuredContent as { url: string; size: string }
    expect(size).toBe('256x128')
    expect(url).toMatch(/^https:\/\/gw\.example\/image\//)
    const image = await mf.dispatchFetch(url)
    expect(sniffImage(new Uint8Array(await image.arrayBuffer()))).toEqual({
      contentType: 'image/png',
      width: 256,
      height: 128,
    })
    await client.close()
  })

  it('refuses a call without the key with 401', async () => {
    const response = await mf.dispatchFetch('https://gw.example/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    })
    expect(response.status).toBe(401)
  })
})
