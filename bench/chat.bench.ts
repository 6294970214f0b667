import { type ChildProcess, fork } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
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
 * a 300 KB base64 JPEG, next to a minimal Node http server answering a 300 KB body, in the same
 * run. Each server runs in its own child process, so its CPU time (process.cpuUsage) and peak
 * RSS (resourceUsage().maxRSS) are its own: the load generator and the fake upstream live in
 * this parent process and are not counted. Prints figures; asserts nothing.
 */

const IMAGE_BYTES = 300 * 1024
const PHASES = [
  { concurrency: 1, requests: 150 },
  { concurrency: 16, requests: 480 },
  { concurrency: 64, requests: 512 },
]
const WARMUP = 60

type Usage = { cpuMs: number; rss: number; maxRss: number }
type Child = { url: string; usage(): Promise<Usage>; stop(): void }

// --- child side -------------------------------------------------------------------------------

async function runChild(role: string): Promise<void> {
  let url: string
  if (role === 'gateway') {
    const { startNodeServer } = await import('../src/runtime/node.ts')
    const env = JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}') as Record<string, string>
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
  process.on('message', (message) => {
    if (message === 'exit') process.exit(0) // lets --cpu-prof write its profile
    const cpu = process.cpuUsage()
    process.send?.({
      cpuMs: (cpu.user + cpu.system) / 1000,
      rss: process.memoryUsage().rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
    } satisfies Usage)
  })
  process.send?.({ url })
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

type PhaseResult = { rps: number; p50: number; p99: number; cpuPerRequest: number; maxRss: number }

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
    cpuPerRequest: (after.cpuMs - before.cpuMs) / requests,
    maxRss: after.maxRss,
  } satisfies PhaseResult
}

async function measure(child: Child, path: string): Promise<PhaseResult[]> {
  await load(child, path, 4, WARMUP) // JIT, connection pools, first files
  const results: PhaseResult[] = []
  for (const phase of PHASES)
    results.push(await load(child, path, phase.concurrency, phase.requests))
  return results
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
  const gateway = await startChild('gateway', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STORAGE: 'fs',
    CF_ACCOUNT_ID: 'bench',
    CF_API_TOKEN: 'bench-token',
    CF_API_BASE: upstream.apiBase,
  })
  const baseline = await startChild('baseline')
  try {
    console.log(
      `chat completions (non-streaming), ${IMAGE_BYTES / 1024} KB JPEG from a zero-delay fake Workers AI`,
    )
    console.log(
      'CPU and RSS: each server in its own child process; load generator and fake excluded\n',
    )
    const ours = await measure(gateway, '/v1/chat/completions')
    upstream.calls.length = 0
    const theirs = await measure(baseline, '/')
    const row = (name: string, r: PhaseResult) =>
      `${name.padEnd(10)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms  CPU ${r.cpuPerRequest.toFixed(3)} ms/req`
    PHASES.forEach((phase, index) => {
      const g = ours[index]!
      const b = theirs[index]!
      console.log(`concurrency ${phase.concurrency} (${phase.requests} requests each)`)
      console.log(`  ${row('gateway', g)}`)
      console.log(`  ${row('baseline', b)}`)
      console.log(
        `  ratio gateway/baseline: throughput ${(g.rps / b.rps).toFixed(2)}x, CPU per request ${(g.cpuPerRequest / b.cpuPerRequest).toFixed(1)}x\n`,
      )
    })
    console.log(
      `workers-ai reply read (find + decode + check a ${IMAGE_BYTES / 1024} KB image): ${replyDecodeMs(image).toFixed(3)} ms CPU`,
    )
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`
    console.log(
      `peak RSS through concurrency 64: gateway ${mb(ours[2]!.maxRss)}, baseline ${mb(theirs[2]!.maxRss)}`,
    )
  } finally {
    gateway.stop()
    baseline.stop()
    await upstream.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

const role = process.env.BENCH_ROLE
if (role) await runChild(role)
else await main()
