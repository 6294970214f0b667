import { join } from 'node:path'
import { DOORS } from './doors.ts'
import { gatewayEnv, machineNote, scratchDir, startServer } from './lib.ts'
import { load, type PhaseResult } from './load.ts'

/**
 * `npm run bench:ab -- <other build's node.js>`: what a change bought. Two compiled gateways,
 * dist/node.js and another build (an earlier commit built with scripts/build-node.js, its dist/
 * copied under this dist/ so that its imports resolve), take the same door's load at the same
 * time, each from its own load loops, in BENCH_ROUNDS rounds of BENCH_REQUESTS requests at
 * concurrency 16. Running them side by side rather than in turn means a neighbour's burst on a
 * shared machine lands on both alike. Prints each round's CPU per request, their medians and the
 * median of the rounds' ratios (paired: each ratio compares two runs that shared their minute).
 * BENCH_DOOR picks the door (default `chat`).
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000)

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

async function main(): Promise<void> {
  const other = process.argv[2]
  if (!other) throw new Error('usage: npm run bench:ab -- dist/<earlier build>/node.js')
  const door = DOORS.find((candidate) => candidate.name === (process.env.BENCH_DOOR ?? 'chat'))
  if (!door) throw new Error(`no such door; doors: ${DOORS.map((d) => d.name).join(', ')}`)
  const data = await scratchDir()
  const upstream = await startServer('upstream', {})
  const servers = [
    await startServer('gateway', gatewayEnv(upstream, join(data.path, 'a'))),
    await startServer('gateway', gatewayEnv(upstream, join(data.path, 'b')), { entry: other }),
  ]
  try {
    console.log(`machine: ${machineNote()}`)
    const targets = await Promise.all(servers.map((server) => door.target(server)))
    const both = (requests: number) =>
      Promise.all(
        servers.map((server, i) => load(server, targets[i]!, { concurrency: 16, requests })),
      )
    await both(WARMUP)
    const rounds: PhaseResult[][] = []
    for (let round = 0; round < ROUNDS; round++) {
      const results = await both(REQUESTS)
      rounds.push(results)
      const [a, b] = results.map((r) => r.cpuPerRequest.toFixed(3))
      console.log(`round ${round + 1}: dist/node.js ${a} ms, ${other} ${b} ms CPU per request`)
    }
    const a = median(rounds.map((r) => r[0]!.cpuPerRequest))
    const b = median(rounds.map((r) => r[1]!.cpuPerRequest))
    const ratio = median(rounds.map((r) => r[0]!.cpuPerRequest / r[1]!.cpuPerRequest))
    console.log(
      `\n${door.name}, median of ${ROUNDS} rounds: dist/node.js ${a.toFixed(3)} ms, ${other} ${b.toFixed(3)} ms CPU per request; median ratio ${ratio.toFixed(3)}`,
    )
  } finally {
    for (const server of [...servers, upstream]) await server.stop()
    await data.cleanup()
  }
}

await main()
