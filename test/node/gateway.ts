import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LogLine } from '../../src/middleware/request-log.ts'
import { startNodeServer } from '../../src/runtime/node.ts'

export type RunningGateway = {
  url: string
  dataDir: string
  logs: LogLine[]
  close(): Promise<void>
}

/**
 * Starts the real Node entry on 127.0.0.1 and a free port, with a temporary DATA_DIR and logs
 * captured instead of printed. `env` is the process environment the gateway sees; `outbound`
 * replaces its fetch for calls it makes (to count them).
 */
export async function startGateway(
  env: Record<string, string> = {},
  outbound?: typeof fetch,
): Promise<RunningGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fluxgate-'))
  const logs: LogLine[] = []
  const gateway = await startNodeServer(
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    { log: (line) => logs.push(line), ...(outbound && { fetch: outbound }) },
  )
  return {
    url: gateway.url,
    dataDir,
    logs,
    async close() {
      await gateway.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * The environment of a gateway whose only upstream, the demo provider held for 5 s, is too slow
 * for its REQUEST_TIMEOUT of 1 s: every generation fails, after a stream has begun if it streams.
 */
export const TOO_SLOW_ENV = {
  PROVIDERS: JSON.stringify([{ type: 'demo', options: { delayMs: 5_000 } }]),
  REQUEST_TIMEOUT: '1',
  UPSTREAM_TIMEOUT: '1',
  RATE_LIMIT: '0',
}
