import { describe, expect, it } from 'vitest'
import { testApp } from '../app-testing.ts'
import { PROTOCOL_VERSIONS } from './mcp.ts'

/** The edges of the MCP transport and of JSON-RPC, on an app in memory with the demo provider. */

const JSON_AND_SSE = 'application/json, text/event-stream'

function post(
  body: unknown,
  headers: Record<string, string> = {},
  app: ReturnType<typeof testApp> = testApp({ RATE_LIMIT: '0' }),
) {
  return app.request('/mcp', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: JSON_AND_SSE, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

const request = (id: number | string, method: string, params?: object) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params && { params }),
})

describe('POST /mcp, JSON-RPC', () => {
  it('answers initialize with the asked version when spoken, else the newest', async () => {
    for (const asked of ['2025-06-18', '2025-03-26']) {
      const response = await post(request(1, 'initialize', { protocolVersion: asked }))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      // Stateless: no session is handed out.
      expect(response.headers.get('mcp-session-id')).toBeNull()
      expect(await response.json()).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: {
          protocolVersion: asked,
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: 'fluxgate', version: '1' },
          instructions: expect.stringContaining('generate_image'),
        },
      })
    }
    const future = await post(request('a', 'initialize', { protocolVersion: '2099-01-01' }))
    expect((await future.json()).result.protocolVersion).toBe(PROTOCOL_VERSIONS[0])
  })

  it('answers ping with an empty result, keeping a string id', async () => {
    expect(await (await post(request('p-1', 'ping'))).json()).toEqual({
      jsonrpc: '2.0',
      id: 'p-1',
      result: {},
    })
  })

  it('accepts notifications and client responses with 202 and no body', async () => {
    for (const message of [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } },
      { jsonrpc: '2.0', id: 9, result: {} },
    ]) {
      const response = await post(message)
      expect(response.status, JSON.stringify(message)).toBe(202)
      expect(await response.text()).toBe('')
    }
  })

  it('answers a body that is not JSON with -32700 and 400', async () => {
    const response = await post('{"jsonrpc": "2.0", "id": 1, "method": ')
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'The body is not valid JSON.' },
    })
  })

  it('answers what is not a JSON-RPC request with -32600 and 400', async () => {
    for (const [body, id] of [
      [{ id: 1, method: 'ping' }, 1],
      [{ jsonrpc: '1.0', id: 2, method: 'ping' }, 2],
      [{ jsonrpc: '2.0', id: null, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: { x: 1 }, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: 3 }, 3],
      [{ jsonrpc: '2.0', id: 4, method: 'ping', params: [1] }, 4],
      ['"ping"', null],
    ] as const) {
      const response = await post(body)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32600 } })
    }
  })

  it('answers an unknown method with -32601 and HTTP 200', async () => {
    const response = await post(request(5, 'resources/list'))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32601, message: 'Method not found: resources/list' },
    })
  })

  it('answers batches for clients of 2025-03-26 and before, one answer per request', async () => {
    const batch = [
      request(1, 'ping'),
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2 },
      request(3, 'nope'),
    ]
    for (const version of [undefined, '2025-03-26', '2024-11-05']) {
      const response = await post(batch, version ? { 'MCP-Protocol-Version': version } : {})
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual([
        { jsonrpc: '2.0', id: 2, error: { code: -32600, message: 'The message has no method.' } },
        { jsonrpc: '2.0', id: 1, result: {} },
        { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found: nope' } },
      ])
    }
    const notificationsOnly = await post([{ jsonrpc: '2.0', method: 'notifications/initialized' }])
    expect(notificationsOnly.status).toBe(202)
  })

  it('refuses batches from 2025-06-18 on, and empty ones, with -32600', async () => {
    for (const version of ['2025-06-18', '2025-11-25']) {
      const response = await post([request(1, 'ping')], { 'MCP-Protocol-Version': version })
      expect(response.status).toBe(400)
      expect((await response.json()).error.code).toBe(-32600)
    }
    expect((await post([])).status).toBe(400)
  })
})

describe('POST /mcp, HTTP', () => {
  it('refuses an unknown MCP-Protocol-Version with 400', async () => {
    const response = await post(request(1, 'ping'), { 'MCP-Protocol-Version': '1999-01-01' })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'Unsupported MCP-Protocol-Version: 1999-01-01' },
    })
  })

  it('refuses a body not sent as JSON with 415', async () => {
    const response = await post(request(1, 'ping'), { 'Content-Type': 'text/plain' })
    expect(response.status).toBe(415)
    expect((await response.json()).error.code).toBe(-32600)
  })

  it('answers GET with 405 and Allow: POST: there is no stream to open', async () => {
    const response = await testApp().request('/mcp', { headers: { Accept: 'text/event-stream' } })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
    expect((await response.json()).error.code).toBe(-32600)
  })

  it('takes the client key as a bearer token or ?key=, and refuses a call without one', async () => {
    const app = testApp({ API_KEY: 'mcp-key-0123456789' })
    const ping = request(1, 'ping')
    const refused = await post(ping, {}, app)
    expect(refused.status).toBe(401)
    expect((await refused.json()).error.code).toBe('invalid_api_key')
    expect((await post(ping, { Authorization: 'Bearer wrong' }, app)).status).toBe(401)
    expect((await post(ping, { Authorization: 'Bearer mcp-key-0123456789' }, app)).status).toBe(200)
    const byQuery = await app.request('/mcp?key=mcp-key-0123456789', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ping),
    })
    expect(byQuery.status).toBe(200)
    // The log line names the path only: the key in the query never reaches it.
    expect(JSON.stringify(app.logs)).not.toContain('mcp-key-0123456789')
  })

  it('refuses an origin that CORS_ORIGINS does not allow with 403', async () => {
    const app = testApp({ CORS_ORIGINS: 'https://app.example' })
    const ping = request(1, 'ping')
    expect((await post(ping, { Origin: 'https://evil.example' }, app)).status).toBe(403)
    expect((await post(ping, { Origin: 'https://app.example' }, app)).status).toBe(200)
    expect((await post(ping, {}, app)).status).toBe(200)
  })

  it('streams when the client accepts only an event stream', async () => {
    const response = await post(request(7, 'ping'), { Accept: 'text/event-stream' })
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(await response.text()).toBe(
      `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 7, result: {} })}\n\n`,
    )
  })
})
