import { type ChildProcess, fork } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { LogLine } from '../src/middleware/request-log.ts'

/**
 * The soak's gateway: the real Node entry in a child process (with --expose-gc), so its memory
 * is its own and a crash shows as one. It counts request log lines by status and keeps the
 * messages of error lines (failures no fault explains); the soak asks for them with RSS and the
 * count of open file descriptors (Linux: /proc/self/fd; null elsewhere).
 */

export type GatewayUsage = {
  rss: number
  heapUsed: number
  openFiles: number | null
  statuses: Record<string, number>
  errors: string[]
}

async function runChild(): Promise<void> {
  const { startNodeServer } = await import('../src/runtime/node.ts')
  const statuses: Record<string, number> = {}
  const errors: string[] = []
  const log = (line: LogLine) => {
    if (line.level === 'error') errors.push(String(line.message).slice(0, 200))
    if (typeof line.status === 'number') statuses[line.status] = (statuses[line.status] ?? 0) + 1
  }
  // SOAK_FETCH=undici: the platform's fetch instead of the Node entry's own outbound client.
  const fetch = process.env.SOAK_FETCH === 'undici' ? globalThis.fetch : undefined
  const env = JSON.parse(process.env.SOAK_GATEWAY_ENV!) as Record<string, string>
  const gateway = await startNodeServer(env, { log, ...(fetch && { fetch }) })
  process.on('message', (message) => {
    if (message === 'exit') return void gateway.close().then(() => process.exit(0))
    ;(globalThis as { gc?: () => void }).gc?.() // RSS after a full GC: live memory, not garbage
    const { rss, heapUsed } = process.memoryUsage()
    const openFiles = process.platform === 'linux' ? readdirSync('/proc/self/fd').length : null
    process.send?.({ rss, heapUsed, openFiles, statuses, errors } satisfies GatewayUsage)
  })
  process.send?.({ url: gateway.url })
}

/** Forks the gateway; exits this process with 1 if the gateway dies before it is stopped. */
export async function startGatewayProcess(env: Record<string, string>) {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, SOAK_ROLE: 'gateway', SOAK_GATEWAY_ENV: JSON.stringify(env) },
  })
  child.on('error', () => {})
  child.once('exit', (code, signal) => {
    if (code === 0) return
    console.error(`FAIL  the gateway process died (${signal ?? `exit code ${code}`})`)
    process.exit(1)
  })
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)))
  const { url } = await next<{ url: string }>()
  // One question at a time, so each answer goes to the caller that asked.
  let queue: Promise<unknown> = Promise.resolve()
  const usage = (): Promise<GatewayUsage> => {
    const answer = queue.then(() => {
      const reply = next<GatewayUsage>()
      child.send('usage')
      return reply
    })
    queue = answer
    return answer
  }
  return { url, usage, stop: () => void child.send('exit') }
}

if (process.env.SOAK_ROLE === 'gateway') await runChild()
