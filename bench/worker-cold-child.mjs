import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { pathToFileURL } from 'node:url'

/**
 * The child of bench/worker-cold.profile.ts, run by plain `node`: imports a Worker bundle as an
 * ES module and sends it requests with a stub env (a store that keeps nothing), profiling each
 * phase on its own (V8's sampling profiler through the inspector): module evaluation, a health
 * check (which builds the app), the first chat request, and chat requests 2-6.
 */

const [bundle, upstream, outPrefix, interval = '50'] = process.argv.slice(2)

// workerd has the native base64 codecs the bundle uses (src/bytes/base64-native.ts); Node 20 not.
if (!Uint8Array.fromBase64) {
  Uint8Array.fromBase64 = (text) => new Uint8Array(Buffer.from(text, 'base64'))
  // Buffer's base64url has no padding, as the bundle asks for it (omitPadding).
  Uint8Array.prototype.toBase64 = function (options = {}) {
    const bytes = Buffer.from(this.buffer, this.byteOffset, this.length)
    return bytes.toString(options.alphabet === 'base64url' ? 'base64url' : 'base64')
  }
}

// `marks` mode: the bundle was built unminified with a call before each module's top-level code
// (bench/worker-cold.profile.ts); time from one to the next is that module's evaluation.
if (process.argv[6] === 'marks') {
  const marks = []
  globalThis.__mark = (module) => marks.push([module, performance.now()])
  const started = performance.now()
  await import(pathToFileURL(bundle).href)
  const ended = performance.now()
  const ms = {}
  marks.forEach(([module, at], i) => {
    ms[module] = (ms[module] ?? 0) + ((marks[i + 1]?.[1] ?? ended) - at)
  })
  console.log(JSON.stringify({ totalMs: ended - started, firstMarkMs: marks[0][1] - started, ms }))
  process.exit(0)
}

const session = new Session()
session.connect()
await session.post('Profiler.enable')
// Interval 0: no profile, CPU figures only (the profiler's own cost left out).
const profiling = interval !== '0'
if (profiling) await session.post('Profiler.setSamplingInterval', { interval: Number(interval) })

const discardStore = {
  async put() {},
  async getWithMetadata() {
    return { value: null, metadata: null }
  },
  async delete() {},
}
const env = {
  CF_ACCOUNT_ID: 'bench',
  CF_API_TOKEN: 'bench-token',
  CF_API_BASE: upstream,
  IMAGE_EXPIRATION: '1800',
  RATE_LIMIT: '0',
  IMAGES: discardStore,
}
const pending = []
const ctx = { waitUntil: (promise) => pending.push(promise), passThroughOnException() {} }
const body = JSON.stringify({
  model: 'flux-schnell',
  messages: [{ role: 'user', content: 'a red fox in fresh snow' }],
})

// Warm Node's own fetch (undici loads lazily) so it does not count towards the first request.
await (await fetch(`${upstream}/`)).arrayBuffer().catch(() => {})

async function phase(name, work) {
  const cpu = process.cpuUsage()
  const started = performance.now()
  if (profiling) await session.post('Profiler.start')
  await work()
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  if (profiling) {
    const { profile } = await session.post('Profiler.stop')
    await writeFile(`${outPrefix}-${name}.cpuprofile`, JSON.stringify(profile))
  }
  return { name, wallMs, cpuMs: (used.user + used.system) / 1000 }
}

let worker
const chat = async () => {
  const response = await worker.fetch(
    new Request('http://gateway.test/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '127.0.0.1' },
      body,
    }),
    env,
    ctx,
  )
  await response.arrayBuffer()
  if (response.status !== 200) throw new Error(`chat: HTTP ${response.status}`)
  await Promise.all(pending.splice(0))
}
const results = [
  await phase('load', async () => {
    worker = (await import(pathToFileURL(bundle).href)).default
  }),
  // The app is built on the first request: a health check builds it without the chat path.
  await phase('build', async () => {
    const response = await worker.fetch(new Request('http://gateway.test/healthz'), env, ctx)
    await response.arrayBuffer()
  }),
  await phase('first', chat),
  await phase('later', async () => {
    for (let i = 2; i <= 6; i++) await chat()
  }),
]
console.log(JSON.stringify(results))
