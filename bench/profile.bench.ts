import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { printSummary, summarize } from './cpu-profile.ts'
import { DOORS } from './doors.ts'
import { gatewayEnv, machineNote, scratchDir, startServer, upstreamEnv } from './lib.ts'
import { load, row } from './load.ts'

/**
 * `npm run bench:profile`: the compiled gateway under `node --cpu-prof`, driven through one door
 * (BENCH_DOOR, default `chat`) with BENCH_REQUESTS requests at concurrency 16 (default 5,000)
 * against the zero-delay fake upstream, then the main thread's busy time by area and by
 * function, self and total, in microseconds per request. BENCH_ROLE=floor profiles the floor
 * instead (bench/floor.ts), so the two can be set side by side function by function.
 * BENCH_KEEP_PROFILE=1 keeps the .cpuprofile (it prints where) for Chrome DevTools.
 */

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000)
const DOOR = process.env.BENCH_DOOR ?? 'chat'
const ROLE = process.env.BENCH_ROLE === 'floor' ? 'floor' : 'gateway'

async function main(): Promise<void> {
  const door = DOORS.find((candidate) => candidate.name === DOOR)
  if (!door) throw new Error(`no door ${DOOR}: ${DOORS.map((d) => d.name).join(', ')}`)
  const profiles = await mkdtemp(join(tmpdir(), 'fluxgate-profile-'))
  const data = await scratchDir()
  const upstream = await startServer('upstream', {})
  const env =
    ROLE === 'floor'
      ? { ...upstreamEnv(upstream), DATA_DIR: data.path }
      : gatewayEnv(upstream, data.path)
  const server = await startServer(ROLE, env, { cpuProfileDir: profiles })
  try {
    console.log(`machine: ${machineNote()}`)
    const target = await door.target(server)
    const result = await load(server, target, { concurrency: 16, requests: REQUESTS })
    console.log(`${row(door.name, result)}\n`)
    await server.stop()
    const [file] = (await readdir(profiles)).filter((name) => name.endsWith('.cpuprofile'))
    if (!file) throw new Error(`the ${ROLE} wrote no profile`)
    printSummary(await summarize(join(profiles, file)), REQUESTS)
    if (process.env.BENCH_KEEP_PROFILE) console.log(`\nprofile: ${join(profiles, file)}`)
  } finally {
    await server.stop()
    await upstream.stop()
    await data.cleanup()
    if (!process.env.BENCH_KEEP_PROFILE) await rm(profiles, { recursive: true, force: true })
  }
}

await main()
