import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpsServer, Agent as HttpsAgent } from 'node:https'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createNodeFetch } from './node-fetch.ts'
import { nodeFetchTestKit, text } from './node-fetch-testing.ts'

const { serve, fresh } = nodeFetchTestKit()

describe('createNodeFetch errors', () => {
  it('rejects with TypeError("fetch failed") when nothing listens', async () => {
    const server = createNetServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve))
    const failure = await fresh()(`http://127.0.0.1:${port}/`).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TypeError)
    expect((failure as TypeError).message).toBe('fetch failed')
    expect(((failure as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED')
  })

  it('errors the body stream when the connection drops mid-body', async () => {
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-length': '100' })
      response.write('only part')
      setTimeout(() => response.socket?.destroy(), 20)
    })
    const response = await fresh()(server.url)
    await expect(response.text()).rejects.toThrow(TypeError)
  })

  /**
   * A raw server that answers the first request on each connection, then resets the connection
   * when a second request arrives on it (a server that dropped an idle socket).
   */
  async function droppingServer() {
    const server = { url: '', connections: 0, close: () => Promise.resolve() }
    const raw = createNetServer((socket: Socket) => {
      server.connections++
      let requests = 0
      socket.on('data', () => {
        if (++requests > 1) socket.resetAndDestroy()
        else
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok')
      })
    })
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
    server.url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`
    server.close = () => new Promise((resolve) => raw.close(() => resolve()))
    return server
  }

  it('sends again once when a kept-alive socket turns out closed, never on a fresh one', async () => {
    const server = await droppingServer()
    const call = fresh()
    try {
      expect(await (await call(server.url)).text()).toBe('ok')
      expect(await (await call(server.url, { method: 'POST', body: 'x' })).text()).toBe('ok')
      expect(server.connections).toBe(2)
    } finally {
      call.close()
      await server.close()
    }
  })

  it('retries on a new connection, not on the next of several dropped sockets in the pool', async () => {
    const server = await droppingServer()
    const call = fresh()
    try {
      // Two calls at once leave two kept-alive sockets in the pool, both dropped by the server.
      const first = await Promise.all([call(server.url), call(server.url)])
      expect(await Promise.all(first.map((response) => response.text()))).toEqual(['ok', 'ok'])
      expect(await (await call(server.url, { method: 'POST', body: 'x' })).text()).toBe('ok')
      expect(server.connections).toBe(3)
    } finally {
      call.close()
      await server.close()
    }
  })
})

describe('createNodeFetch over https', () => {
  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()

  it.skipIf(!openssl)('speaks https through its https agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'node-fetch-tls-'))
    try {
      const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
      execFileSync(
        'openssl',
        // biome-ignore format: one openssl command
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
          '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
        { stdio: 'ignore' },
      )
      const tls = { key: readFileSync(key), cert: readFileSync(cert) }
      const server = await serve(text(200, 'secure'), createHttpsServer(tls))
      const agent = new HttpsAgent({ keepAlive: true, ca: tls.cert })
      const call = createNodeFetch({ httpsAgent: agent })
      expect(await (await call(server.url, { method: 'POST', body: 'x' })).text()).toBe('secure')
      agent.destroy()
      // Without the CA the certificate is refused, as it must be.
      await expect(fresh()(server.url)).rejects.toThrow('fetch failed')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
