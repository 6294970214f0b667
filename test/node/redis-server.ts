import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A throwaway redis-server for tests: 127.0.0.1, a free port, no persistence, a temp dir, its
 * own process (no system service). `stop()` and `start()` let a test take it away mid-run and
 * bring it back on the same port. Tests skip, saying so, when Debian's redis-server is absent
 * (.ci/run installs it).
 */

export const REDIS_SERVER = '/usr/bin/redis-server'
export const redisAvailable = existsSync(REDIS_SERVER)
export const skipMessage = `${REDIS_SERVER} not found (apt-get install redis-server): skipping`

export type TestRedis = {
  url: string
  port: number
  /** Starts the server (again) on the same port; resolves once it answers. */
  start(): Promise<void>
  /** Stops the server; data is gone (no persistence). */
  stop(): Promise<void>
  /** Stops the server for good and removes its directory. */
  close(): Promise<void>
}

export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'fluxgate-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    if (child) return
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly']
    args.push('no', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning')
    const started = spawn(REDIS_SERVER, args, { stdio: 'ignore' })
    child = started
    started.once('exit', () => {
      if (child === started) child = undefined
    })
    const deadline = Date.now() + 10_000
    while (!(await answers(port))) {
      if (!child || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  async function stop(): Promise<void> {
    const running = child
    if (!running) return
    child = undefined
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve())
      running.kill('SIGKILL')
    })
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async close() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** True when a PING on `port` gets +PONG. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
  })
}
