import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { encodePng } from '../../src/image/png.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import {
  type FakeServer,
  type RecordedRequest,
  sendJson,
  startFakeServer,
} from '../fakes/server.ts'

/**
 * What an upstream may not make the gateway do, over real HTTP with SiliconFlow's protocol
 * (`POST /v1/images/generations` answering `{images: [{url}], seed}`): hand out a cut-off image,
 * fill memory with a huge reply, send a key or prompt to another host by redirecting, or have a
 * key it quotes back reach the client.
 */

const open: FakeServer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()))
})

type Generation = (request: RecordedRequest, response: ServerResponse, origin: string) => void

/** A SiliconFlow-protocol upstream; `generation` answers the POST, `/files/<name>` serves `files`. */
async function upstream(generation: Generation, files: Record<string, Uint8Array> = {}) {
  let origin = ''
  const server = await startFakeServer((request, response) => {
    const name = /^\/files\/([^?]+)/.exec(request.path)?.[1]
    const file = name ? files[name] : undefined
    if (file) {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': file.length })
      response.end(file)
      return
    }
    if (request.method === 'POST' && request.path === '/v1/images/generations') {
      generation(request, response, origin)
      return
    }
    sendJson(response, 404, { code: 404, message: 'Not Found', data: null })
  })
  origin = server.url
  open.push(server)
  return server
}

const imageAt =
  (name: string): Generation =>
  (_request, response, origin) =>
    sendJson(response, 200, { images: [{ url: `${origin}/files/${name}` }], seed: 7 })

function gateway(providers: object[], env: Record<string, string> = {}) {
  const config = loadConfig({
    PROVIDERS: JSON.stringify(providers),
    STORAGE: 'memory',
    RATE_LIMIT: '0',
    ...env,
  })
  const app = createApp({ config, storage: memoryStorage(), log: () => {} })
  const generate = () =>
    app.request('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red fox', response_format: 'b64_json' }),
    })
  return { app, generate }
}

const siliconflow = (server: FakeServer, key: string, priority = 0) => ({
  type: 'siliconflow',
  keys: [key],
  baseUrl: `${server.url}/v1`,
  priority,
})

type ImagesReply = { data?: { b64_json: string }[]; provider?: string; error?: { message: string } }

describe('whole images only', () => {
  it('fails over from a target that returns a PNG cut before its end', async () => {
    const whole = await encodePng(32, 32, new Uint8Array(32 * 32 * 3).fill(200))
    const cut = whole.subarray(0, whole.length - 12) // everything but the IEND chunk
    const first = await upstream(imageAt('cut.png'), { 'cut.png': cut })
    const second = await upstream(imageAt('whole.png'), { 'whole.png': whole })
    const { generate } = gateway([siliconflow(first, 'key-a', 1), siliconflow(second, 'key-b')])

    const response = await generate()
    const body = (await response.json()) as ImagesReply
    expect(response.status).toBe(200)
    expect(body.provider).toBe('siliconflow-2')
    expect(Buffer.from(body.data![0]!.b64_json, 'base64')).toEqual(Buffer.from(whole))
    expect(first.requests.map((r) => r.path)).toContain('/files/cut.png')
  })

  it('answers an upstream error when the only target returns a cut-off PNG', async () => {
    const whole = await encodePng(8, 8, new Uint8Array(8 * 8 * 3))
    const only = await upstream(imageAt('cut.png'), { 'cut.png': whole.subarray(0, 40) })
    const response = await gateway([siliconflow(only, 'key-a')]).generate()
    expect(response.status).toBe(502)
    const body = (await response.json()) as ImagesReply
    expect(body.error?.message).toContain('the image was cut off (no PNG end)')
  })
})
