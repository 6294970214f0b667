import { type ClientRequest, request } from 'node:http'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ACCOUNT, type HeldUpstream, startHeldUpstream } from './held-upstream.ts'
import { startBundle } from './miniflare.ts'

/**
 * Clients that leave, on a real socket to workerd running dist/worker.js. The upstream holds its
 * reply, so the client is gone while the call is open; the test waits for the upstream to see
 * the gateway hang up (a wedge would time the test out), then checks that the Worker still serves.
 * workerd tears down the request's I/O when the client resets, with or without
 * enable_request_signal; the flag (set in wrangler.jsonc, read here) adds the `request.signal`
 * abort, so the code's own listeners run too, as they do on Cloudflare.
 */

let upstream: HeldUpstream
let mf: Miniflare
let origin: URL

beforeAll(async () => {
  upstream = await startHeldUpstream()
  mf = await startBundle({
    bindings: { ...ACCOUNT, CF_API_BASE: upstream.apiBase },
    // A socket straight into the Worker: Miniflare's own entry in front would hide the hang-up.
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
  })
  origin = await mf.unsafeGetDirectURL()
})

afterAll(async () => {
  await mf?.dispose()
  await upstream?.close()
})

beforeEach(() => upstream.hold())

/** Sends a JSON POST on its own socket; `onData` sees each chunk of the response body. */
function post(path: string, body: unknown, onData: (text: string) => void = () => {}) {
  const client = request(new URL(path, origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    agent: false,
  })
  client.on('response', (response) => response.on('data', (chunk) => onData(String(chunk))))
  client.on('error', () => {}) // the test destroys the socket on purpose
  client.end(JSON.stringify(body))
  return client
}

/**
 * The client goes away with a reset, as a dropped connection or a cancelling proxy looks to the
 * server. A plain close (FIN) is an HTTP/1.1 half-close, which workerd rightly does not take as
 * leaving.
 */
const leave = (client: ClientRequest) => client.socket?.resetAndDestroy()

/** The Worker still answers a generation at once when the upstream does. */
async function stillServes() {
  upstream.release()
  const response = await mf.dispatchFetch(new URL('/v1/images/generations', origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'after the disconnect', response_format: 'url' }),
  })
  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({ provider: 'workers-ai' })
}

describe('a client leaving dist/worker.js', () => {
  it('mid-request: the non-streamed upstream call is aborted and the Worker serves on', async () => {
    const before = upstream.abandonedCount
    const client = post('/v1/images/generations', { prompt: 'a fox who leaves' })
    await upstream.arrived()
    leave(client)
    await upstream.abandoned()
    expect(upstream.abandonedCount).toBe(before + 1)
    await stillServes()
  })

  it('mid-stream: the generation behind the stream is aborted and the Worker serves on', async () => {
    const before = upstream.abandonedCount
    let streamed = ''
    let sawProgress: () => void = () => {}
    const progress = new Promise<void>((resolve) => {
      sawProgress = resolve
    })
    const client = post(
      '/v1/chat/completions',
      { stream: true, messages: [{ role: 'user', content: 'a fox who leaves mid-stream' }] },
      (text) => {
        streamed += text
        if (streamed.includes('via workers-ai')) sawProgress()
      },
    )
    await upstream.arrived()
    await progress
    expect(streamed).toMatch(/^data: \{.*"role":"assistant"/)
    leave(client)
    await upstream.abandoned()
    expect(upstream.abandonedCount).toBe(before + 1)
    await stillServes()
  })
})
