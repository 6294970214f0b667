import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildWorker, WorkerBudgetError } from '../scripts/build-worker.ts'
import { machineNote, startServer, upstreamEnv } from './lib.ts'
import { interleaved, load, type PhaseResult, type Target } from './load.ts'
import { type StoreKind, startWorkerd, type WorkerdServer } from './workerd.ts'

/**
 * `npm run bench:worker`: the Worker bundle (dist/worker.js, built first; BENCH_WORKER=<file>
 * runs another build) next to a minimal Worker doing the same chat job (bench/minimal-worker.js),
 * each in workerd through Miniflare (bench/workerd.ts), calling the fake Workers AI REST upstream
 * (bench/upstream.ts, its own process). Images go to the `IMAGES` binding: Miniflare's KV, as
 * deployed, or with BENCH_STORE=discard an RPC stand-in that keeps nothing. CPU is the workerd
 * process's, all threads, and for single requests its main thread's too. In one run:
 *
 * - cold: BENCH_COLD runs (default 5) of each, in rotating order: a new workerd process, its
 *   CPU until ready (workerd loads and evaluates the module eagerly, so the bundle's compile and
 *   top-level work land here, above the minimal Worker's), then the first chat request's CPU and
 *   wall time, then requests 2 to 20 one at a time, each one's CPU (the Free plan allows 10 ms
 *   per request). Medians over the runs.
 * - steady: one long-lived process each, BENCH_WARMUP requests (default 200) to warm up, then
 *   BENCH_REQUESTS (default 800) per Worker at concurrency BENCH_CONCURRENCY (default 8) in
 *   BENCH_BLOCKS alternating blocks (default 8); CPU per request is the median of the blocks.
 *
 * Both carry workerd's own HTTP handling and the store: Miniflare's KV simulator costs the process
 * several ms per 300 KB put (SQLite and blob files) where a deployed Worker pays next to nothing,
 * so BENCH_STORE=discard shows the Workers' own figures better. A third Worker,
 * bench/store-only-worker.js (read the body, store the same bytes, answer), measures workerd and
 * the store alone, the part of each figure that is neither Worker's.
 * Prints figures; asserts nothing: the machine is shared and noisy, read the ratios.
 */

const COLD_RUNS = Number(process.env.BENCH_COLD ?? 5)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 800)
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 8)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const SEQUENTIAL = 20
const IMAGE_BYTES = Number(process.env.BENCH_IMAGE_BYTES ?? 300 * 1024)
const STORE = (process.env.BENCH_STORE ?? 'kv') as StoreKind

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

type Candidate = { name: string; script: string }

const CHAT: Target = {
  path: '/v1/chat/completions',
  body: JSON.stringify({
    model: 'flux-schnell',
    messages: [{ role: 'user', content: 'a red fox in fresh snow' }],
  }),
}

type Cold = {
  startCpuMs: number
  firstCpuMs: number
  firstMainMs: number
  firstWallMs: number
  /** Requests 2..20, each sent when the one before had been answered. */
  later: Single[]
}

/** One request's CPU (process, and main thread alone) and wall time, ms. */
type Single = { cpuMs: number; mainMs: number; wallMs: number }

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms))

/** One chat request; resolves once its reply has been read in full. */
async function chat(server: WorkerdServer): Promise<void> {
  const response = await fetch(`${server.url}${CHAT.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: CHAT.body,
  })
  await response.arrayBuffer()
  if (response.status !== 200) throw new Error(`chat: HTTP ${response.status}`)
}

/**
 * CPU of one request sent alone, the process's from just before it until a moment after its
 * reply (work a Worker does after answering, such as its log line, counts too).
 */
async function oneRequest(server: WorkerdServer): Promise<Single> {
  const [cpu, main] = [server.cpuMs(), server.mainThreadCpuMs()]
  const started = performance.now()
  await chat(server)
  const wallMs = performance.now() - started
  await pause(10)
  return { cpuMs: server.cpuMs() - cpu, mainMs: server.mainThreadCpuMs() - main, wallMs }
}

async function coldRun(candidate: Candidate, env: Record<string, string>): Promise<Cold> {
  const server = await startWorkerd(candidate.script, env, STORE)
  try {
    // Threads still compiling after `ready` count towards start-up.
    await pause(100)
    const startCpuMs = server.cpuMs()
    const first = await oneRequest(server)
    const later: Single[] = []
    for (let i = 2; i <= SEQUENTIAL; i++) later.push(await oneRequest(server))
    return {
      startCpuMs,
      firstCpuMs: first.cpuMs,
      firstMainMs: first.mainMs,
      firstWallMs: first.wallMs,
      later,
    }
  } finally {
    await server.stop()
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

async function steady(
  candidates: Candidate[],
  env: Record<string, string>,
): Promise<PhaseResult[]> {
  const servers: WorkerdServer[] = []
  try {
    for (const candidate of candidates)
      servers.push(await startWorkerd(candidate.script, env, STORE))
    const runs = servers.map((server) => ({ server, target: CHAT }))
    for (const run of runs) {
      await load(run.server, run.target, { concurrency: CONCURRENCY, requests: WARMUP })
    }
    return await interleaved(runs, { concurrency: CONCURRENCY, requests: REQUESTS }, BLOCKS)
  } finally {
    for (const server of servers) await server.stop()
  }
}

/** dist/worker.js, built now (still written when over its gzip budget), or BENCH_WORKER. */
async function workerBundle(): Promise<string> {
  if (process.env.BENCH_WORKER) return resolve(process.env.BENCH_WORKER)
  try {
    return (await buildWorker()).outfile
  } catch (error) {
    if (!(error instanceof WorkerBudgetError)) throw error
    console.warn(`note: ${error.message.split('\n')[0]}`)
    return error.build.outfile
  }
}

type Figures = { name: string; values: number[] }

function table(figures: Figures[]): string[] {
  const lines = [
    '| figure | fluxgate | minimal | ratio | fluxgate - minimal | store only |',
    '|---|---|---|---|---|---|',
  ]
  for (const { name, values } of figures) {
    const [ours, floor, base] = values as [number, number, number]
    const digits = name.includes('req/s') ? 0 : 2
    const cells = [ours, floor].map((value) => value.toFixed(digits))
    lines.push(
      `| ${name} | ${cells.join(' | ')} | ${(ours / floor).toFixed(2)}x | ${(ours - floor).toFixed(digits)} | ${base.toFixed(digits)} |`,
    )
  }
  return lines
}

async function main(): Promise<void> {
  const candidates: Candidate[] = [
    { name: 'fluxgate', script: await workerBundle() },
    { name: 'minimal', script: here('./minimal-worker.js') },
    { name: 'store only', script: here('./store-only-worker.js') },
  ]
  const upstream = await startServer('upstream', { BENCH_IMAGE_BYTES: String(IMAGE_BYTES) })
  const env = {
    ...upstreamEnv(upstream),
    IMAGE_EXPIRATION: '1800',
    RATE_LIMIT: '0',
    BENCH_IMAGE_BYTES: String(IMAGE_BYTES),
  }
  try {
    console.log(`machine: ${machineNote()}`)
    const cold = candidates.map(() => [] as Cold[])
    for (let run = 0; run < COLD_RUNS; run++) {
      for (let k = 0; k < candidates.length; k++) {
        const index = (k + run) % candidates.length
        cold[index]!.push(await coldRun(candidates[index]!, env))
      }
      const last = cold.map((runs) => runs.at(-1)!)
      const firsts = last.map((c) => c.firstCpuMs.toFixed(1)).join(' | ')
      const slowest = last.map((c) => {
        const cpu = c.later.map((r) => r.cpuMs)
        return `#${cpu.indexOf(Math.max(...cpu)) + 2}`
      })
      console.log(
        `cold run ${run + 1}: first request CPU ms ${firsts}; slowest of 2-${SEQUENTIAL}: ${slowest.join(' | ')}`,
      )
    }
    // Which of the early requests stay above the rest (first-run compilation, tier-up, GC).
    for (const [index, candidate] of candidates.entries()) {
      const byRequest = cold[index]![0]!.later.map((_, i) =>
        median(cold[index]!.map((run) => run.later[i]!.mainMs)).toFixed(1),
      )
      console.log(
        `${candidate.name}: main-thread CPU ms of requests 2-${SEQUENTIAL}, median: ${byRequest.join(' ')}`,
      )
    }
    const hot = await steady(candidates, env)
    console.log(`steady: CPU ms/req ${hot.map((r) => r.cpuPerRequest.toFixed(2)).join(' | ')}`)
    const cold1 = (name: string, pick: (run: Cold) => number): Figures => ({
      name: `${name} (ms)`,
      values: cold.map((runs) => median(runs.map(pick))),
    })
    const figures: Figures[] = [
      { name: 'steady CPU per chat request (ms)', values: hot.map((r) => r.cpuPerRequest) },
      { name: 'steady throughput (req/s)', values: hot.map((r) => r.rps) },
      cold1('start-up CPU, new workerd to ready', (c) => c.startCpuMs),
      cold1('first request CPU', (c) => c.firstCpuMs),
      cold1('first request CPU of the main thread', (c) => c.firstMainMs),
      cold1('start-up + first request CPU', (c) => c.startCpuMs + c.firstCpuMs),
      cold1('first request wall', (c) => c.firstWallMs),
      cold1(`requests 2-${SEQUENTIAL} one at a time, median CPU`, (c) =>
        median(c.later.map((r) => r.cpuMs)),
      ),
      cold1(`requests 2-${SEQUENTIAL}, max CPU`, (c) => Math.max(...c.later.map((r) => r.cpuMs))),
      cold1(`requests 2-${SEQUENTIAL}, max CPU of the main thread`, (c) =>
        Math.max(...c.later.map((r) => r.mainMs)),
      ),
    ]
    console.log(
      `\nfluxgate Worker bundle vs the minimal same-job Worker in workerd (Miniflare), images stored in ${STORE === 'kv' ? "Miniflare's KV" : 'a store that keeps nothing'}; CPU of the workerd process, all threads. Cold: median of ${COLD_RUNS} fresh processes each. Steady: ${REQUESTS} chat requests each at c=${CONCURRENCY} in ${BLOCKS} alternating blocks after ${WARMUP} warm-up, median of the blocks. Upstream image ${Math.round(IMAGE_BYTES / 1024)} KB.\n`,
    )
    for (const line of table(figures)) console.log(line)
  } finally {
    await upstream.stop()
  }
}

await main()
