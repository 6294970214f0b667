import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type AppDeps, createApp } from '../app.ts'
import { type Config, ConfigError, loadConfig } from '../config.ts'
import type { ImageStore } from '../storage/types.ts'

/**
 * Node entry: reads `.env` and the environment, opens storage, serves HTTP, and on SIGTERM or
 * SIGINT stops accepting connections and lets in-flight requests finish before exiting.
 */

async function createNodeStorage(config: Config): Promise<ImageStore> {
  switch (config.storage.kind) {
    case 'memory':
      return (await import('../storage/memory.ts')).memoryStorage()
    case 'redis':
      throw new ConfigError(['STORAGE: redis is not available in this version; use fs or memory'])
    default:
      return (await import('../storage/fs.ts')).fsStorage({ dataDir: config.storage.dataDir })
  }
}

type IncomingEnv = { incoming?: { socket?: { remoteAddress?: string } } }

/** Starts the gateway; `overrides` lets tests capture logs. Resolves once it listens. */
export async function startNodeServer(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Pick<AppDeps, 'log' | 'fetch'>> = {},
) {
  const config = loadConfig(env)
  const storage = await createNodeStorage(config)
  const app = createApp({
    ...overrides,
    config,
    storage,
    clientAddress: (c) => (c.env as IncomingEnv | undefined)?.incoming?.socket?.remoteAddress,
  })
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host })
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = config.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      // close() stops accepting and waits for open requests; idle keep-alive sockets are dropped.
      server.close(() => resolve())
      if ('closeIdleConnections' in server) server.closeIdleConnections()
    }).then(() => storage.close?.()))
  return { url, port, close, server }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))
if (isMain) {
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
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
}
