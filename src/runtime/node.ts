import { existsSync, realpathSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { type AppDeps, createApp } from '../app.ts'
import { type Config, ConfigError, loadConfig } from '../config.ts'
import type { Logger } from '../middleware/request-log.ts'
import type { ImageStore } from '../storage/types.ts'
import { lightResponseBody } from './node-body-init.ts'
import { lazyEventResponse } from './node-event-body.ts'
import { createNodeFetch } from './node-fetch.ts'
import { stdoutLines } from './node-log-lines.ts'
import { lazyPartsResponse } from './node-parts-body.ts'
import { withNodeBody } from './node-request.ts'
import { sendResponse } from './node-response.ts'
import { createNodeServices } from './node-services.ts'

/**
 * Node entry: reads `.env` and the environment, opens storage, serves HTTP, and on SIGTERM or
 * SIGINT stops accepting connections and lets in-flight requests finish before exiting.
 */

async function createNodeStorage(
  config: Config,
  onImageDropped: (store: string) => void,
): Promise<ImageStore> {
  switch (config.storage.kind) {
    case 'memory':
      return (await import('../storage/memory.ts')).memoryStorage({
        maxBytes: config.storage.memoryMaxBytes,
        onEvict: () => onImageDropped('memory'),
      })
    default:
      return (await import('../storage/fs.ts')).fsStorage({ dataDir: config.storage.dataDir })
  }
}

/**
 * One JSON line per log line, as the core's jsonLogger writes them, straight to stdout:
 * console.log's formatting costs a few times the write itself, once per request. Lines of one
 * event-loop turn go out in one write (node-log-lines.ts).
 */
const stdoutLogger: Logger = (line) => {
  stdoutLines().write(`${JSON.stringify(line)}\n`)
}

/** How long a client may take over each part of its conversation with the listener. */
export type ListenerTimeouts = {
  /** From connecting (or a keep-alive request's first byte) to the end of its headers. */
  headersMs: number
  /**
   * To receive the whole request, body included. Node stops this clock once the request has
   * arrived, so it never cuts off a response, however long a generation or stream takes.
   */
  requestMs: number
  /** An idle keep-alive connection between two requests. */
  keepAliveMs: number
  /** How often Node checks the two limits above (its default, 30 s, would add up to 30 s). */
  checkEveryMs: number
}

/**
 * Without these a few thousand slow clients hold every socket: Node waits 60 s for headers
 * and 300 s for a request, checked every 30 s. 60 s fits a 1 MiB body (MAX_BODY_BYTES) on a
 * link of 20 kB/s; a person's headers arrive in milliseconds, so 10 s is generous.
 */
export const LISTENER_TIMEOUTS: ListenerTimeouts = {
  headersMs: 10_000,
  requestMs: 60_000,
  keepAliveMs: 5_000,
  checkEveryMs: 1_000,
}

/** Warnings about refused connections, at most one per this many milliseconds. */
const DROP_WARNING_EVERY_MS = 60_000

/**
 * Starts the gateway; `overrides` lets tests capture logs and shorten the listener's timeouts.
 * Resolves once it listens.
 */
export async function startNodeServer(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Pick<AppDeps, 'log' | 'fetch'>> & {
    timeouts?: Partial<ListenerTimeouts>
  } = {},
) {
  const { timeouts: shorterTimeouts, ...deps } = overrides
  const timeouts = { ...LISTENER_TIMEOUTS, ...shorterTimeouts }
  const log = deps.log ?? stdoutLogger
  const config = loadConfig(env)
  // Metrics, and with STORAGE=redis the fleet's shared image store, rate limit and pool state.
  const services = await createNodeServices(config, log)
  const storage = services.storage ?? (await createNodeStorage(config, services.onImageDropped))
  // Outbound calls on node:http with keep-alive: a fraction of the CPU of undici's fetch.
  const outbound = createNodeFetch()
  const app = createApp({
    fetch: outbound,
    ...services.deps,
    ...deps,
    log,
    config,
    storage,
    // The peer of the TCP connection; rate-limit.ts applies TRUST_PROXY's X-Forwarded-For rule.
    clientAddress: (c) => getConnInfo(c).remote.address,
    // This entry writes the parts of an Images reply itself (sendParts): no joined copy is made.
    partsResponse: lazyPartsResponse,
    // A whole reply is recorded for idempotency from the body it was made with (node-body-init.ts).
    bodyInit: lightResponseBody,
    // The events of a stream are written by this entry too (sendEventStream): no web stream is made unless one is read.
    eventResponse: lazyEventResponse,
  })
  services.mount(app)
  const server = serve({
    // A callback rather than an async function, whose frame would be held while the request waits.
    fetch: (request, bindings) =>
      Promise.resolve(app.fetch(withNodeBody(request, bindings), bindings)).then((response) =>
        sendResponse(response, bindings.outgoing),
      ),
    port: config.port,
    hostname: config.host,
    // Node's default 16 KB header cap would answer a long `GET /?prompt=` with a bare 431; let
    // the gateway see it and answer in its own error shape (prompts are capped at 8192 chars).
    serverOptions: {
      maxHeaderSize: 64 * 1024,
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
    },
  })
  // Past the cap Node closes new connections at once, so the ones it has keep their sockets and
  // memory; the operator hears of it, once a minute at most.
  server.maxConnections = config.maxConnections
  let lastDropWarning = Number.NEGATIVE_INFINITY
  server.on('drop', () => {
    if (Date.now() - lastDropWarning < DROP_WARNING_EVERY_MS) return
    lastDropWarning = Date.now()
    log({
      level: 'warn',
      message: `refusing connections: MAX_CONNECTIONS (${config.maxConnections}) are open`,
    })
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve)
      server.once('error', reject) // EADDRINUSE, EACCES: without this, an uncaught exception
    })
  } catch (error) {
    outbound.close()
    await storage.close?.()
    await services.close()
    throw error
  }
  const { port } = server.address() as AddressInfo
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = config.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      // close() stops accepting and waits for open requests. A keep-alive connection whose
      // request finishes turns idle but stays open until its timeout, so idle ones are dropped
      // as they appear rather than only once.
      const idle = setInterval(() => closeIdle(), 100)
      // No request outlives REQUEST_TIMEOUT; a stream still open after it is cut, so a stuck
      // client cannot hold the process up forever.
      const force = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections()
      }, config.requestTimeoutMs + 5_000)
      force.unref()
      server.close(() => {
        clearInterval(idle)
        clearTimeout(force)
        resolve()
      })
      closeIdle()
    })
      .then(() => {
        outbound.close()
        return storage.close?.()
      })
      .then(() => services.close())
      // The last lines out now rather than on the next turn: a caller may exit straight after.
      .then(() => {
        if (log === stdoutLogger) stdoutLines().flush()
      }))
  const closeIdle = () => {
    if ('closeIdleConnections' in server) server.closeIdleConnections()
  }
  return { url, port, close, server }
}

/** True when this file is the program (dist/node.js, or `npm run dev:node`), not an import. */
function isMain(): boolean {
  const script = process.argv[1]
  if (!script) return false
  // Compare real paths: a URL suffix test fails on paths with spaces (%20) or symlinks.
  const real = (path: string) => (existsSync(path) ? realpathSync(path) : path)
  return real(fileURLToPath(import.meta.url)) === real(script)
}

if (isMain()) {
  if (existsSync('.env')) process.loadEnvFile('.env')
  try {
    const { url, close } = await startNodeServer()
    console.log(`fluxgate listening on ${url}  (playground: ${url}/gui/)`)
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        console.log(`${signal}: finishing in-flight requests, then exiting`)
        void close().then(() => process.exit(0))
      })
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (error instanceof ConfigError) console.error(error.message)
    else if (code === 'EADDRINUSE' || code === 'EACCES') {
      console.error(`Cannot listen: ${(error as Error).message}. Set PORT or HOST.`)
    } else throw error
    process.exit(1)
  }
}
