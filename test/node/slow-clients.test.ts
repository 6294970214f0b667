import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LogLine } from '../../src/middleware/request-log.ts'
import { type ListenerTimeouts, startNodeServer } from '../../src/runtime/node.ts'
import { type FakeSiliconflow, startFakeSiliconflow } from '../fakes/siliconflow.ts'

/**
 * Clients that connect and then dawdle must not hold the Node listener: slow headers and slow
 * bodies are cut off, a connection cap refuses the excess, and everyone else still gets in.
 * Real sockets throughout; each test waits for events, never for a clock.
 */

let upstream: FakeSiliconflow
beforeAll(async () => {
  upstream = await startFakeSiliconflow({ slowMs: 1_500 })
})
afterAll(() => upstream.close())

type Gateway = Awaited<ReturnType<typeof startNodeServer>> & { logs: LogLine[] }
let gateway: Gateway | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await gateway?.close()
  gateway = undefined
})

async function start(env: Record<string, string>, timeouts: Partial<ListenerTimeouts> = {}) {
  const logs: LogLine[] = []
  const running = await startNodeServer(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      STORAGE: 'memory',
      RATE_LIMIT: '0',
      IMAGE_API_KEYS: 'good',
      SILICONFLOW_API_BASE: upstream.baseUrl,
      ...env,
    },
    { log: (line) => logs.push(line), timeouts: { checkEveryMs: 50, ...timeouts } },
  )
  gateway = { ...running, logs }
  return gateway
}

/** A raw connection that has sent `text`; `reply` resolves with all it got once it closes. */
async function rawClient(text: string) {
  const socket = connect(gateway!.port, '127.0.0.1')
  sockets.push(socket)
  let received = ''
  socket.setEncoding('utf8').on('data', (chunk) => (received += chunk))
  socket.on('error', () => {})
  const reply = new Promise<string>((done) => socket.once('close', () => done(received)))
  await new Promise<void>((done) => socket.once('connect', done))
  socket.write(text)
  return { socket, reply, received: () => received }
}

/** The status of one request on its own connection (no keep-alive pool), or the error code. */
function statusOf(path: string, init: { method?: string; body?: string } = {}) {
  return new Promise<number | string>((done) => {
    const url = new URL(path, `http://127.0.0.1:${gateway!.port}`)
    const headers = init.body ? { 'Content-Type': 'application/json' } : {}
    request(url, { method: init.method ?? 'GET', agent: false, headers }, (response) => {
      response.resume()
      response.on('end', () => done(response.statusCode!))
    })
      .on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
      .end(init.body)
  })
}

describe('Node listener against slow and numerous clients', () => {
  it('drops a client that never finishes its headers, and serves others meanwhile', async () => {
    await start({}, { headersMs: 300 })
    const slow = await rawClient('GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Slow: 1\r\n')
    const silent = await rawClient('')
    expect(await statusOf('/healthz')).toBe(200)
    expect(await slow.reply).toMatch(/^HTTP\/1\.1 408 /)
    expect(await silent.reply).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('drops a client whose body stalls, logged as 499 client_closed', async () => {
    await start({}, { requestMs: 400, headersMs: 400 })
    const slow = await rawClient(
      'POST /v1/images/generations HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"prompt":',
    )
    await slow.reply
    for (;;) {
      const line = gateway!.logs.find((entry) => entry.path === '/v1/images/generations')
      if (line) {
        expect(line).toMatchObject({ status: 499, errorCode: 'client_closed' })
        break
      }
      await new Promise((tick) => setTimeout(tick, 10))
    }
    expect(gateway!.logs.filter((line) => line.level === 'error')).toEqual([])
  })

  it('lets a generation run longer than the request timeout once the request has arrived', async () => {
    await start({ IMAGE_API_KEYS: 'slow' }, { requestMs: 300, headersMs: 300 })
    const body = JSON.stringify({ prompt: 'a slow fox', size: '64x64', response_format: 'url' })
    const before = upstream.callsFor('slow')
    // The fake answers after 1.5 s, five times the request timeout.
    expect(await statusOf('/v1/images/generations', { method: 'POST', body })).toBe(200)
    expect(upstream.callsFor('slow')).toBe(before + 1)
  })

  it('refuses connections over MAX_CONNECTIONS and recovers once they close', async () => {
    await start({ MAX_CONNECTIONS: '2' })
    // Two keep-alive connections that have been answered: the listener has surely counted them.
    const held = [] as Awaited<ReturnType<typeof rawClient>>[]
    for (let i = 0; i < 2; i++) {
      const client = await rawClient('GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n')
      while (!client.received().includes('\r\n\r\n')) {
        await new Promise((tick) => setTimeout(tick, 10))
      }
      held.push(client)
    }
    expect(await statusOf('/healthz')).toMatch(/^E|socket hang up/)
    expect(gateway!.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('MAX_CONNECTIONS'),
      }),
    )
    for (const client of held) client.socket.destroy()
    await Promise.all(held.map((client) => client.reply))
    let status: number | string
    do status = await statusOf('/healthz')
    while (status !== 200)
    expect(status).toBe(200)
  })
})
