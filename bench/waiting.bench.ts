import { join } from 'node:path'
import { DOORS } from './doors.ts'
import {
  gatewayEnv,
  machineNote,
  mb,
  type ProbeUsage,
  type Server,
  scratchDir,
  startServer,
  upstreamEnv,
} from './lib.ts'
import { load } from './load.ts'

/**
 * `npm run bench:waiting`: is waiting cheap? Image generation takes seconds, so a gateway holds
 * many requests at once. The fake upstream answers after 3 s (BENCH_UPSTREAM_DELAY_MS), and 256
 * chat requests (BENCH_WAITING) arrive at once at the gateway, then at the floor. Measured in
 * the second of two such rounds (the first warms up): RSS while all of them wait, against the
 * idle RSS just before, per waiting request; event-loop delay while they wait and through the
 * burst when the replies all come back; peak RSS. BENCH_CPU_PROF=<dir> profiles the gateway.
 * `npm run bench:waiting -- dist/<earlier build>/node.js` measures that build too (as bench:ab
 * takes one), between this one and the floor, so a change is compared within one run.
 * Prints figures; asserts nothing.
 */

const WAITING = Number(process.env.BENCH_WAITING ?? 256)
const DELAY_MS = Number(process.env.BENCH_UPSTREAM_DELAY_MS ?? 3000)

type Round = { idle: number; waiting: ProbeUsage; after: ProbeUsage; seconds: number }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function round(server: Server): Promise<Round> {
  const target = await DOORS[0]!.target(server)
  const idle = (await server.reset()).rss
  const started = performance.now()
  const done = load(server, target, { concurrency: WAITING, requests: WAITING })
  // Every request has arrived and waits for the upstream; its replies are not due yet.
  await sleep(DELAY_MS * 0.8)
  const waiting = await server.usage()
  const result = await done
  if (result.failures) {
    console.log(`${server.role}: ${result.failures} requests failed, e.g. ${result.firstFailure}`)
  }
  const after = await server.usage()
  return { idle, waiting, after, seconds: (performance.now() - started) / 1000 }
}

async function measure(server: Server): Promise<Round> {
  await round(server)
  return round(server)
}

function report(name: string, r: Round): string {
  const perRequest = (r.waiting.rss - r.idle) / WAITING / 1024
  const ms = (value: number) => value.toFixed(1)
  return `| ${name} | ${mb(r.idle)} | ${mb(r.waiting.rss)} | ${perRequest.toFixed(0)} KB | ${ms(r.waiting.loopDelay.p99)} / ${ms(r.waiting.loopDelay.max)} | ${ms(r.after.loopDelay.p99)} / ${ms(r.after.loopDelay.max)} | ${mb(r.after.peakRss)} | ${r.seconds.toFixed(2)} s |`
}

async function main(): Promise<void> {
  const data = await scratchDir()
  const upstream = await startServer('upstream', { BENCH_UPSTREAM_DELAY_MS: String(DELAY_MS) })
  const gateway = await startServer('gateway', gatewayEnv(upstream, join(data.path, 'gateway')), {
    cpuProfileDir: process.env.BENCH_CPU_PROF,
  })
  const other = process.argv[2]
  const earlier = other
    ? await startServer('gateway', gatewayEnv(upstream, join(data.path, 'earlier')), {
        entry: other,
      })
    : null
  const floor = await startServer('floor', { ...upstreamEnv(upstream), DATA_DIR: data.path })
  try {
    console.log(`machine: ${machineNote()}`)
    const ours = await measure(gateway)
    const theirs = earlier ? await measure(earlier) : null
    const floors = await measure(floor)
    console.log(
      `\n${WAITING} chat requests at once, upstream answers after ${DELAY_MS} ms (second of two rounds)\n`,
    )
    console.log(
      '| server | idle RSS | RSS waiting | per waiting request | loop delay p99 / max waiting (ms) | p99 / max whole round | peak RSS | round |',
    )
    console.log('|---|---|---|---|---|---|---|---|')
    console.log(report('fluxgate', ours))
    if (theirs) console.log(report(other!, theirs))
    console.log(report('floor', floors))
  } finally {
    for (const server of [gateway, earlier, floor, upstream]) await server?.stop()
    await data.cleanup()
  }
}

await main()
