import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DOORS, type Door } from './doors.ts'
import {
  gatewayEnv,
  machineNote,
  mb,
  type Server,
  scratchDir,
  startServer,
  upstreamEnv,
} from './lib.ts'
import { checkReply, interleaved, load, type PhaseResult } from './load.ts'

/**
 * `npm run bench`: every door of the gateway next to its same-job floor (bench/floor.ts), in one
 * run, one side-by-side table. The gateway is the compiled server (`dist/node.js`, fs storage in
 * a temp dir, logs on and read by this process as a collector would), the upstream a zero-delay
 * fake Workers AI REST API answering a 300 KB JPEG in base64 (FLUX.2: a 1.5 MB PNG;
 * bench/upstream.ts), each in its own process. Per door, its reply is checked once on each
 * server, then after a warm-up: BENCH_REQUESTS requests at concurrency 16 per server, in
 * alternating blocks (throughput, latency, CPU per request), then 640 at concurrency 64 (peak
 * RSS, and memory per request in flight: that peak above the RSS just before, over 64). Failed
 * requests are counted and reported, not timed. Idle RSS is taken after start, before any
 * request. BENCH_WARMUP sets the chat warm-up of each server (default 3,000), BENCH_DOOR_WARMUP
 * each door's own (default 1,000). BENCH_DOORS=chat,images picks doors by name;
 * BENCH_CPU_PROF=<dir> writes the gateway's CPU profile there. Prints figures; asserts
 * nothing: the machine is shared and noisy, and the ratios are what to read (bench/ab.bench.ts
 * compares two builds of the gateway).
 */

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1600)
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 16)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3000)
/**
 * Requests each door gets on each server before it is measured. A door's own code (a stream's,
 * an SDK's headers') is still being compiled by V8's optimizer for the first thousand or so, and
 * the gateway has far more of it than the floor: a longer warm-up measures the steady state.
 */
const DOOR_WARMUP = Number(process.env.BENCH_DOOR_WARMUP ?? 1000)
const PEAK = { concurrency: 64, requests: 640 }

/** Per server: the c=16 blocks combined, and the c=64 phase's peak RSS and the RSS before it. */
type Measured = {
  door: Door
  c16: PhaseResult[]
  peak: number[]
  before: number[]
  /** Per server: failed requests over both phases, and the first one's message. */
  failed: { count: number; first?: string }[]
}

/** Deletes the images a door stored, so a long run does not fill the disk; servers are idle. */
async function clearImages(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [])) {
      if (!name.startsWith('.')) await rm(join(dir, name), { force: true })
    }
  }
}

async function measureDoor(door: Door, servers: Server[]): Promise<Measured> {
  const runs = await Promise.all(
    servers.map(async (server) => ({ server, target: await door.target(server) })),
  )
  const scaled = (requests: number) => Math.round(requests * (door.share ?? 1))
  for (const run of runs) await checkReply(run.server, run.target)
  for (const run of runs) {
    await load(run.server, run.target, { concurrency: 16, requests: scaled(DOOR_WARMUP) })
  }
  const c16 = await interleaved(runs, { concurrency: 16, requests: scaled(REQUESTS) }, BLOCKS)
  const peak: number[] = []
  const before: number[] = []
  const failed: Measured['failed'] = []
  for (const [index, run] of runs.entries()) {
    before.push((await run.server.reset()).rss)
    const result = await load(run.server, run.target, { ...PEAK, requests: scaled(PEAK.requests) })
    peak.push(result.peakRss)
    const count = c16[index]!.failures + result.failures
    failed.push({ count, first: c16[index]!.firstFailure ?? result.firstFailure })
  }
  return { door, c16, peak, before, failed }
}

const fixed = (value: number, digits = 0) => value.toFixed(digits)
const kb = (bytes: number) => `${fixed(bytes / 1024)} KB`
const ratio = (ours: number, floor: number) => `${(ours / floor).toFixed(2)}x`

function table(measured: Measured[], idle: number[]): string[] {
  const lines = [
    '| door | req/s | floor | ratio | CPU ms/req | floor | ratio | p50 ms | floor | peak RSS c=64 | floor | ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const { door, c16, peak } of measured) {
    const [ours, floor] = [c16[0]!, c16.at(-1)!]
    const [oursPeak, floorPeak] = [peak[0]!, peak.at(-1)!]
    lines.push(
      `| ${door.name} | ${fixed(ours.rps)} | ${fixed(floor.rps)} | ${ratio(ours.rps, floor.rps)} | ${fixed(ours.cpuPerRequest, 2)} | ${fixed(floor.cpuPerRequest, 2)} | ${ratio(ours.cpuPerRequest, floor.cpuPerRequest)} | ${fixed(ours.p50, 1)} | ${fixed(floor.p50, 1)} | ${mb(oursPeak)} | ${mb(floorPeak)} | ${ratio(oursPeak, floorPeak)} |`,
    )
  }
  const [oursIdle, floorIdle] = [idle[0]!, idle.at(-1)!]
  lines.push(
    '',
    `idle RSS: fluxgate ${mb(oursIdle)}, floor ${mb(floorIdle)} (${ratio(oursIdle, floorIdle)})`,
    '',
    `memory per request in flight at c=${PEAK.concurrency}: (peak RSS - RSS just before) / ${PEAK.concurrency}`,
    '',
    '| door | fluxgate | floor | ratio |',
    '|---|---|---|---|',
  )
  for (const { door, peak, before } of measured) {
    const [ours, floor] = [0, peak.length - 1].map(
      (i) => Math.max(0, peak[i]! - before[i]!) / PEAK.concurrency,
    ) as [number, number]
    lines.push(`| ${door.name} | ${kb(ours)} | ${kb(floor)} | ${ratio(ours, floor)} |`)
  }
  // A failed request is not timed: its door's figures are of the requests that succeeded.
  for (const { door, failed } of measured) {
    for (const [index, { count, first }] of failed.entries()) {
      if (count === 0) continue
      const role = index === 0 ? 'fluxgate' : 'floor'
      const sent = REQUESTS + PEAK.requests
      lines.push('', `${door.name}: ${count} of ${sent} ${role} requests FAILED, e.g. ${first}`)
    }
  }
  return lines
}

async function main(): Promise<void> {
  const only = process.env.BENCH_DOORS?.split(',').map((name) => name.trim())
  const doors = DOORS.filter((door) => !only || only.some((name) => door.name.startsWith(name)))
  const data = await scratchDir()
  const upstream = await startServer('upstream', {})
  const gateway = await startServer('gateway', gatewayEnv(upstream, join(data.path, 'gateway')), {
    cpuProfileDir: process.env.BENCH_CPU_PROF,
  })
  const floor = await startServer('floor', { ...upstreamEnv(upstream), DATA_DIR: data.path })
  const servers = [gateway, floor]
  try {
    console.log(`machine: ${machineNote()}`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const idle = await Promise.all(servers.map(async (server) => (await server.usage()).rss))
    const chat = await DOORS[0]!.target(gateway)
    for (const server of servers) {
      await load(server, chat, { concurrency: 16, requests: WARMUP })
    }
    const imageDirs = [join(data.path, 'gateway', 'images'), join(data.path, 'floor')]
    const measured: Measured[] = []
    for (const door of doors) {
      await clearImages(imageDirs)
      const result = await measureDoor(door, servers)
      measured.push(result)
      const figures = result.c16.map((r) => `${fixed(r.cpuPerRequest, 2)} ms ${fixed(r.rps)}/s`)
      console.log(`${door.name}: CPU per request and throughput: ${figures.join(' | ')}`)
    }
    console.log(
      `\nfluxgate (dist/node.js) vs same-job plain-Node floor; c=16: ${REQUESTS} requests per server per door in ${BLOCKS} alternating blocks, after ${WARMUP} warm-up chat requests and ${DOOR_WARMUP} per door; CPU: user + system of the server process, all threads, median of the blocks\n`,
    )
    for (const line of table(measured, idle)) console.log(line)
  } finally {
    for (const server of [...servers, upstream]) await server.stop()
    await data.cleanup()
  }
}

await main()
