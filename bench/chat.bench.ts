import { type ChildProcess, fork } from 'node:child_process'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readEnvelope } from '../src/providers/workers-ai/reply.ts'
import { startFakeWorkersAi } from '../test/fakes/workers-ai.ts'
import { makeJpeg, toBase64 } from '../test/fakes/workers-ai-image.ts'

/**
 * `npm run bench`: non-streaming chat completions through the Node server (fs storage in a temp
 * dir, logs discarded) against a zero-delay fake Workers AI (real HTTP on 127.0.0.1) answering
 * a 300 KB base64 JPEG, next to two references measured in the same run:
 * - baseline: a minimal Node http server answering a 300 KB body;
 * - floor: a minimal Node http server doing the gateway's work for this request the cheapest
 *   way known (the same upstream call on a keep-alive node:http agent, the reply read by the
 *   gateway's own readEnvelope, which beats JSON.parse plus Buffer's base64 on Node 20, the
 *   image written to a temp file and renamed, a small JSON reply) with no framework, validation,
 *   failover or logging: what that work costs by itself, an estimate of the gateway's floor.
 * Each server runs in its own child process, so its CPU time (process.cpuUsage: every thread,
 * the libuv pool and V8's GC and compiler threads included) and peak RSS (resourceUsage().maxRSS)
 * are its own: the load generator and the fake upstream live in this parent process and are not
 * counted. Each server first takes WARMUP requests, and the CPU they cost is shown apart: V8
 * keeps compiling a large code base for a thousand requests and more, and a server runs long.
 * Prints figures; asserts nothing. BENCH_WARMUP=<requests> changes the warm-up.
 */

const IMAGE_BYTES = 300 * 1024
const PHASES = [
  { concurrency: 1, requests: 150 },
  { concurrency: 16, requests: 480 },
  { concurrency: 64, requests: 512 },
]
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1500)

type Usage = { userMs: number; systemMs: number; rss: number; maxRss: number }
type Child = { url: string; usage(): Promise<Usage>; stop(): void }

// --- child side -------------------------------------------------------------------------------

async function runChild(role: string): Promise<void> {
  let url: string
  if (role === 'gateway') {
    const { startNodeServer } = await import('../src/runtime/node.ts')
    const env = JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}') as Record<string, string>
    url = (await startNodeServer(env, { log: () => {} })).url
  } else if (role === 'floor') {
    url = await startFloor(JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}'))
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
  process.on('message', (message) => {
    if (message === 'exit') process.exit(0) // lets --cpu-prof write its profile
    const cpu = process.cpuUsage()
    process.send?.({
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      rss: process.memoryUsage().rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
    } satisfies Usage)
  })
  process.send?.({ url })
}

/** The floor server: the gateway's work for this request, in plain Node. */
async function startFloor(env: Record<string, string>): Promise<string> {
  const agent = new Agent({ keepAlive: true })
  const upstream = new URL(
    `${env.CF_API_BASE}/accounts/${env.CF_ACCOUNT_ID}/ai/run/@cf/black-forest-labs/flux-1-schnell`,
  )
  const call = (prompt: string) =>
    new Promise<Buffer>((resolve, reject) => {
      const body = JSON.stringify({ prompt, steps: 4, seed: 1 })
      const outgoing = request(upstream, {
        agent,
        method: 'POST',
        headers: {
          authorization: `Bearer ${env.CF_API_TOKEN}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      })
      outgoing.on('response', (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => resolve(Buffer.concat(chunks)))
        response.on('error', reject)
      })
      outgoing.on('error', reject)
      outgoing.end(body)
    })
  let count = 0
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', async () => {
      const { messages } = JSON.parse(Buffer.concat(chunks).toString()) as {
        messages: { content: string }[]
      }
      const image = readEnvelope(await call(messages.at(-1)!.content))!.image!
      const key = `${process.pid}-${count++}`
      const temp = join(env.DATA_DIR!, `.tmp-${key}`)
      await writeFile(temp, image)
      await rename(temp, join(env.DATA_DIR!, `${key}.jpg`))
      const text = `![image](http://127.0.0.1/image/${key})`
      const json = JSON.stringify({ id: key, object: 'chat.completion', choices: [{ text }] })
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(json)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function startChild(role: string, env: Record<string, string> = {}): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    // BENCH_CPU_PROF=<dir> profiles the gateway (open the .cpuprofile in Chrome DevTools).
    execArgv: [
      '--import',
      'tsx',
      ...(role === 'gateway' && process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : []),
    ],
    env: { ...process.env, BENCH_ROLE: role, BENCH_GATEWAY_ENV: JSON.stringify(env) },
  })
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      child.once('message', resolve)
      child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)))
    })
  return next().then((message) => ({
    url: (message as { url: string }).url,
    usage: () => {
      const answer = next() as Promise<Usage>
      child.send('usage')
      return answer
    },
    stop: () => child.send('exit'),
  }))
}

// --- load generator ---------------------------------------------------------------------------

type PhaseResult = {
  rps: number
  p50: number
  p99: number
  /** CPU ms per request: user + system, and each apart. */
  cpuPerRequest: number
  userPerRequest: number
  systemPerRequest: number
  maxRss: number
}

const CHAT_BODY = JSON.stringify({
  model: 'flux-schnell',
  messages: [{ role: 'user', content: 'a red fox in fresh snow' }],
})

function post(url: URL, agent: Agent, body: string, path: string): Promise<number> {
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

async function load(child: Child, path: string, concurrency: number, requests: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const url = new URL(child.url)
  const latencies: number[] = []
  let issued = 0
  const before = await child.usage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < requests) {
        issued++
        latencies.push(await post(url, agent, CHAT_BODY, path))
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const after = await child.usage()
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
  return {
    rps: requests / seconds,
    p50: at(0.5),
    p99: at(0.99),
    cpuPerRequest: (after.userMs + after.systemMs - before.userMs - before.systemMs) / requests,
    userPerRequest: (after.userMs - before.userMs) / requests,
    systemPerRequest: (after.systemMs - before.systemMs) / requests,
    maxRss: after.maxRss,
  } satisfies PhaseResult
}

async function measure(child: Child, path: string) {
  const warmup = await load(child, path, 16, WARMUP) // JIT, connection pools, first files
  const results: PhaseResult[] = []
  for (const phase of PHASES)
    results.push(await load(child, path, phase.concurrency, phase.requests))
  return { warmup, results }
}

/** CPU to read one REST reply (find, decode and check a 300 KB base64 image), in this process. */
function replyDecodeMs(image: Uint8Array): number {
  const result = { image: toBase64(image) }
  const body = new TextEncoder().encode(
    JSON.stringify({ result, success: true, errors: [], messages: [] }),
  )
  for (let i = 0; i < 50; i++) readEnvelope(body)
  const runs = 300
  const before = process.cpuUsage()
  for (let i = 0; i < runs; i++) readEnvelope(body)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000 / runs
}

// --- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const image = makeJpeg(1024, 1024, IMAGE_BYTES)
  const upstream = await startFakeWorkersAi({ accounts: { bench: 'bench-token' }, image })
  const dataDir = await mkdtemp(join(tmpdir(), 'fluxgate-bench-'))
  const upstreamEnv = {
    CF_ACCOUNT_ID: 'bench',
    CF_API_TOKEN: 'bench-token',
    CF_API_BASE: upstream.apiBase,
  }
  const gateway = await startChild('gateway', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STORAGE: 'fs',
    ...upstreamEnv,
    // An open gateway limits each address; the load generator is one address.
    RATE_LIMIT: '0',
  })
  const baseline = await startChild('baseline')
  const floorDir = await mkdtemp(join(tmpdir(), 'fluxgate-bench-floor-'))
  const floor = await startChild('floor', { DATA_DIR: floorDir, ...upstreamEnv })
  try {
    console.log(
      `chat completions (non-streaming), ${IMAGE_BYTES / 1024} KB JPEG from a zero-delay fake Workers AI`,
    )
    console.log(
      'CPU (user + system, all threads) and RSS: each server in its own child process; load',
    )
    console.log(
      `generator and fake excluded; measured after ${WARMUP} warm-up requests at concurrency 16\n`,
    )
    const ours = await measure(gateway, '/v1/chat/completions')
    upstream.calls.length = 0
    const theirs = await measure(baseline, '/')
    const bare = await measure(floor, '/v1/chat/completions')
    upstream.calls.length = 0
    const row = (name: string, r: PhaseResult) =>
      `${name.padEnd(10)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms  CPU ${r.cpuPerRequest.toFixed(3)} ms/req (user ${r.userPerRequest.toFixed(3)}, sys ${r.systemPerRequest.toFixed(3)})`
    console.log(`warm-up (${WARMUP} requests at concurrency 16)`)
    console.log(`  ${row('gateway', ours.warmup)}`)
    console.log(`  ${row('baseline', theirs.warmup)}`)
    console.log(`  ${row('floor', bare.warmup)}\n`)
    PHASES.forEach((phase, index) => {
      const g = ours.results[index]!
      const b = theirs.results[index]!
      const f = bare.results[index]!
      console.log(`concurrency ${phase.concurrency} (${phase.requests} requests each)`)
      console.log(`  ${row('gateway', g)}`)
      console.log(`  ${row('baseline', b)}`)
      console.log(`  ${row('floor', f)}`)
      console.log(
        `  ratio gateway/baseline: throughput ${(g.rps / b.rps).toFixed(2)}x, CPU per request ${(g.cpuPerRequest / b.cpuPerRequest).toFixed(1)}x`,
      )
      console.log(
        `  ratio gateway/floor:    throughput ${(g.rps / f.rps).toFixed(2)}x, CPU per request ${(g.cpuPerRequest / f.cpuPerRequest).toFixed(1)}x\n`,
      )
    })
    console.log(
      `workers-ai reply read (find + decode + check a ${IMAGE_BYTES / 1024} KB image): ${replyDecodeMs(image).toFixed(3)} ms CPU`,
    )
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`
    const peak = (measured: { results: PhaseResult[] }) => mb(measured.results[2]!.maxRss)
    console.log(
      `peak RSS through concurrency 64: gateway ${peak(ours)}, baseline ${peak(theirs)}, floor ${peak(bare)}`,
    )
  } finally {
    gateway.stop()
    baseline.stop()
    floor.stop()
    await upstream.close()
    await rm(dataDir, { recursive: true, force: true })
    await rm(floorDir, { recursive: true, force: true })
  }
}

const role = process.env.BENCH_ROLE
if (role) await runChild(role)
else await main()
