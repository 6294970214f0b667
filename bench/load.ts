import { Agent, request } from 'node:http'
import type { ProbeUsage, Server } from './lib.ts'

/**
 * The load generator: `concurrency` loops, each sending its next request when the last one's
 * body has been read in full, over keep-alive connections (wrk's closed-loop model). The
 * server's CPU and peak RSS come from its probe, read before and after.
 */

export type Target = {
  method?: 'GET' | 'POST'
  path: string
  body?: string
  /** More request headers (a client SDK's own). */
  headers?: Record<string, string>
  /** The status every reply must have; default 200. */
  status?: number
}

export type Phase = { concurrency: number; requests: number }

export type PhaseResult = {
  /** Sorted, in ms. */
  latencies: number[]
  seconds: number
  rps: number
  mean: number
  p50: number
  p99: number
  /** CPU ms per request (user + system), and each apart. */
  cpuPerRequest: number
  userPerRequest: number
  systemPerRequest: number
  /** The server's peak RSS during the phase (since its last reset). */
  peakRss: number
}

/** One request; resolves to its latency in ms once the body has arrived. */
function send(url: URL, agent: Agent, target: Target): Promise<number> {
  const started = performance.now()
  const body = target.body
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        agent,
        method: target.method ?? 'POST',
        path: target.path,
        headers: {
          ...target.headers,
          ...(body !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          }),
        },
      },
      (response) => {
        response.resume()
        response.on('end', () => {
          const expected = target.status ?? 200
          if (response.statusCode !== expected) {
            reject(new Error(`${target.path}: HTTP ${response.statusCode}, expected ${expected}`))
          } else resolve(performance.now() - started)
        })
      },
    )
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** Sends `phase.requests` requests to `server` from `phase.concurrency` loops. */
export async function load(server: Server, target: Target, phase: Phase): Promise<PhaseResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: phase.concurrency })
  const url = new URL(server.url)
  const latencies: number[] = []
  let issued = 0
  const before = await server.usage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: phase.concurrency }, async () => {
      while (issued < phase.requests) {
        issued++
        latencies.push(await send(url, agent, target))
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const after = await server.usage()
  agent.destroy()
  return summarize(latencies, seconds, before, after)
}

function summarize(
  latencies: number[],
  seconds: number,
  before: Pick<ProbeUsage, 'userMs' | 'systemMs'>,
  after: Pick<ProbeUsage, 'userMs' | 'systemMs' | 'peakRss'>,
): PhaseResult {
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
  const count = latencies.length
  const userPerRequest = (after.userMs - before.userMs) / count
  const systemPerRequest = (after.systemMs - before.systemMs) / count
  return {
    latencies,
    seconds,
    rps: count / seconds,
    mean: latencies.reduce((sum, ms) => sum + ms, 0) / count,
    p50: at(0.5),
    p99: at(0.99),
    cpuPerRequest: userPerRequest + systemPerRequest,
    userPerRequest,
    systemPerRequest,
    peakRss: after.peakRss,
  }
}

/** Several runs of one server (blocks interleaved with another server's) as one. */
export function combine(results: PhaseResult[]): PhaseResult {
  const total = (pick: (r: PhaseResult) => number) =>
    results.reduce((sum, r) => sum + pick(r) * r.latencies.length, 0)
  return summarize(
    results.flatMap((r) => r.latencies),
    results.reduce((sum, r) => sum + r.seconds, 0),
    { userMs: 0, systemMs: 0 },
    {
      userMs: total((r) => r.userPerRequest),
      systemMs: total((r) => r.systemPerRequest),
      peakRss: Math.max(...results.map((r) => r.peakRss)),
    },
  )
}

/**
 * Runs `phase` on each server in turn, in `blocks` alternating slices, so a machine that turns
 * busy halfway slows them alike; each server's slices are then combined. Its CPU per request is
 * the median of its slices': on a shared machine a neighbour's burst inflates a few slices, and
 * the median leaves them out where the mean would not.
 */
export async function interleaved(
  runs: { server: Server; target: Target }[],
  phase: Phase,
  blocks: number,
): Promise<PhaseResult[]> {
  const slices = runs.map(() => [] as PhaseResult[])
  const block = { concurrency: phase.concurrency, requests: Math.ceil(phase.requests / blocks) }
  for (let i = 0; i < blocks; i++) {
    // Each round in another order, so no server always runs right after the same one.
    const order = runs.map((_, index) => (index + i) % runs.length)
    for (const index of order) {
      const run = runs[index]!
      slices[index]!.push(await load(run.server, run.target, block))
    }
  }
  return slices.map((results) => ({ ...combine(results), cpuPerRequest: median(results) }))
}

function median(results: PhaseResult[]): number {
  const values = results.map((r) => r.cpuPerRequest).sort((a, b) => a - b)
  const middle = values.length >> 1
  return values.length % 2 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2
}

/** One aligned line of figures. */
export function row(name: string, r: PhaseResult): string {
  const ms = (value: number) => value.toFixed(2).padStart(7)
  return `${name.padEnd(16)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  CPU ${r.cpuPerRequest.toFixed(3)} ms/req`
}
