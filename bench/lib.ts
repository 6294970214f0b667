import { type ChildProcess, fork } from 'node:child_process'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { makeJpeg } from '../test/fakes/workers-ai-image.ts'

/**
 * Shared machinery for the images and failover benchmarks (the chat benchmark has its own copy
 * of the same method): each server runs in a child process of its own, so its CPU time
 * (process.cpuUsage) and peak RSS (resourceUsage().maxRSS) are its own, while the load generator
 * and the fake upstreams live in the parent and are not counted. The baseline is a minimal Node
 * http server answering a body of the same size as the fake's image, in the same run.
 */

/** The fake upstream's image and the baseline's body: a 300 KB JPEG, as in the chat benchmark. */
export const IMAGE_BYTES = 300 * 1024

export type Usage = { cpuMs: number; rss: number; maxRss: number }
export type Child = { url: string; usage(): Promise<Usage>; stop(): void }
export type Phase = { concurrency: number; requests: number }
export type PhaseResult = {
  /** Sorted, in ms. */
  latencies: number[]
  seconds: number
  rps: number
  mean: number
  p50: number
  p99: number
  cpuPerRequest: number
  maxRss: number
}

/** The environment variable that makes this file a child server instead of a library. */
const ROLE = 'BENCH_LIB_ROLE'

async function runChild(role: string): Promise<void> {
  let url: string
  if (role === 'gateway') {
    const { startNodeServer } = await import('../src/runtime/node.ts')
    const env = JSON.parse(process.env.BENCH_LIB_ENV ?? '{}') as Record<string, string>
    url = (await startNodeServer(env, { log: () => {} })).url
  } else {
    const body = Buffer.from(makeJpeg(1024, 1024, IMAGE_BYTES))
    const server = createServer((incoming, response) => {
      incoming.resume() // read the request body, as the gateway must
      incoming.on('end', () => {
        response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length })
        response.end(body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  process.on('message', () => {
    const cpu = process.cpuUsage()
    process.send?.({
      cpuMs: (cpu.user + cpu.system) / 1000,
      rss: process.memoryUsage().rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
    } satisfies Usage)
  })
  process.send?.({ url })
}

/** Starts the gateway (with `env` as its environment) or the baseline in a child process. */
export function startChild(role: 'gateway' | 'baseline', env: object = {}): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [ROLE]: role, BENCH_LIB_ENV: JSON.stringify(env) },
  })
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`${role} exited with ${code}`))
      child.once('exit', exited)
      child.once('message', (message) => {
        child.off('exit', exited) // one listener per call would pile up over a long run
        resolve(message)
      })
    })
  return next().then((message) => ({
    url: (message as { url: string }).url,
    usage: () => {
      const answer = next() as Promise<Usage>
      child.send('usage')
      return answer
    },
    stop: () => child.kill(),
  }))
}

/** One POST; resolves to its latency in ms, rejects on any status but 200. */
function post(url: URL, agent: Agent, path: string, body: string): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        agent,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume()
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}`))
          else resolve(performance.now() - started)
        })
      },
    )
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** Sends `requests` POSTs from `concurrency` workers over keep-alive connections. */
export async function load(
  child: Child,
  target: { path: string; body: string },
  phase: Phase,
): Promise<PhaseResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: phase.concurrency })
  const url = new URL(child.url)
  const latencies: number[] = []
  let issued = 0
  const before = await child.usage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: phase.concurrency }, async () => {
      while (issued < phase.requests) {
        issued++
        latencies.push(await post(url, agent, target.path, target.body))
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const after = await child.usage()
  agent.destroy()
  return summarize(latencies, seconds, after.cpuMs - before.cpuMs, after.maxRss)
}

function summarize(latencies: number[], seconds: number, cpuMs: number, maxRss: number) {
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
  return {
    latencies,
    seconds,
    rps: latencies.length / seconds,
    mean: latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    cpuPerRequest: cpuMs / latencies.length,
    maxRss,
  } satisfies PhaseResult
}

/** Several runs of one server (e.g. blocks interleaved with another server's) as one. */
export function combine(results: PhaseResult[]): PhaseResult {
  return summarize(
    results.flatMap((r) => r.latencies),
    results.reduce((sum, r) => sum + r.seconds, 0),
    results.reduce((sum, r) => sum + r.cpuPerRequest * r.latencies.length, 0),
    Math.max(...results.map((r) => r.maxRss)),
  )
}

/** A warm-up (JIT, connection pools, first files), then each phase in turn. */
export async function measure(
  child: Child,
  target: { path: string; body: string },
  phases: Phase[],
  warmup = 60,
): Promise<PhaseResult[]> {
  if (warmup > 0) await load(child, target, { concurrency: 4, requests: warmup })
  const results: PhaseResult[] = []
  for (const phase of phases) results.push(await load(child, target, phase))
  return results
}

/** One aligned line of figures. */
export function row(name: string, r: PhaseResult): string {
  const ms = (value: number) => value.toFixed(2).padStart(7)
  return `${name.padEnd(16)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  CPU ${r.cpuPerRequest.toFixed(3)} ms/req`
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

/** A note on how much to trust the figures: the load average over the last minute. */
export async function machineNote(): Promise<string> {
  const { availableParallelism, loadavg } = await import('node:os')
  const [one] = loadavg()
  return `machine: ${availableParallelism()} CPUs, load average ${one!.toFixed(1)} at start`
}

const role = process.env[ROLE]
if (role) await runChild(role)
