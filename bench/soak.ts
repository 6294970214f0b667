import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redisAvailable, startRedis } from '../test/node/redis-server.ts'
import { type GatewayUsage, startGatewayProcess } from './soak-gateway.ts'
import { pick, sha256, startFaultyUpstream } from './soak-upstream.ts'

/**
 * `npm run soak`: several thousand mixed requests (chat, streamed chat, images API, direct GET,
 * `/image/` reads) against the Node server in a child process, with an upstream that injects
 * 429s, 5xx, slow and hanging answers, dropped connections and failed downloads
 * (soak-upstream.ts). Every image handed out is read at once and again at the end: its bytes
 * must not change. Prints figures; exits 1 when a target is missed: an image lost or changed,
 * a 500 or an error the fault mix cannot explain, RSS growing by 20% or more after warm-up, or
 * the gateway dying. Not part of `npm test`.
 *
 * SOAK_REQUESTS (4000), SOAK_CONCURRENCY (24), SOAK_STORAGE (fs | memory | redis; redis starts
 * its own redis-server), SOAK_SECONDS (stop issuing after 240), SOAK_FETCH=undici.
 */

const env = process.env
const TOTAL = Number(env.SOAK_REQUESTS ?? 4000)
const CONCURRENCY = Number(env.SOAK_CONCURRENCY ?? 24)
const STORAGE = env.SOAK_STORAGE ?? 'fs'
const MAX_MS = Number(env.SOAK_SECONDS ?? 240) * 1000
/** RSS growth is measured from here: the first requests warm the JIT and buffers up. */
const WARMUP = Math.floor(TOTAL / 10)
const KEYS = Array.from({ length: 8 }, (_, i) => `sk-soak-${i}-abcdefghijklmnop`)
const MIX = { chat: 18, 'chat-stream': 18, images: 24, direct: 15, read: 25 }
/** What a request may end with when every upstream it could try failed (SPEC section 6). */
const FAULT_CODES = ['upstream_failed', 'all_targets_cooling_down', 'no_usable_upstream', 'timeout']

const upstream = await startFaultyUpstream()
const redis = STORAGE === 'redis' && redisAvailable ? await startRedis() : undefined
if (STORAGE === 'redis' && !redis) throw new Error('SOAK_STORAGE=redis needs /usr/bin/redis-server')
const dataDir = await mkdtemp(join(tmpdir(), 'fluxgate-soak-'))
const gateway = await startGatewayProcess({
  ...{ PORT: '0', DATA_DIR: dataDir, STORAGE, RATE_LIMIT: '0', UPSTREAM_TIMEOUT: '3' },
  ...{ IMAGE_API_KEYS: KEYS.join(','), SILICONFLOW_API_BASE: `${upstream.url}/v1` },
  ...(redis && { REDIS_URL: redis.url }),
})
const boot = await gateway.usage()

const handedOut = new Map<string, string>() // URL -> SHA-256 of the bytes read at hand-out
const outcomes: Record<string, number> = {}
const samples: string[] = []
function count(what: string, detail = ''): void {
  outcomes[what] = (outcomes[what] ?? 0) + 1
  if (what.startsWith('unexplained') && samples.length < 20) samples.push(`${what} ${detail}`)
}
function classify(status: number, code: string | null | undefined): void {
  count(`${FAULT_CODES.includes(code ?? '') ? 'fault' : 'unexplained'}: ${status} ${code}`)
}

async function read(url: string): Promise<Uint8Array | null> {
  const response = await fetch(url)
  const bytes = new Uint8Array(await response.arrayBuffer())
  const png = response.headers.get('content-type') === 'image/png'
  return response.status === 200 && png ? bytes : null
}

/** Reads an image URL as a client would on receiving it, and remembers its bytes. */
async function handOut(url: string): Promise<void> {
  const bytes = await read(url)
  if (!bytes) return count('unexplained: image unreadable at hand-out', url)
  const hash = sha256(bytes)
  if (!upstream.delivered.has(hash)) return count('unexplained: bytes not from upstream', url)
  if ((handedOut.get(url) ?? hash) !== hash) return count('unexplained: seeded image changed', url)
  handedOut.set(url, hash)
  count('ok')
}

async function one(kind: keyof typeof MIX, index: number): Promise<void> {
  const prompt = `soak ${index}: a lighthouse at dusk`
  if (kind === 'read') {
    const urls = [...handedOut.keys()]
    const url = urls[Math.floor(Math.random() * urls.length)]
    if (!url) return count('read skipped (nothing handed out yet)')
    const bytes = await read(url)
    return count(bytes && sha256(bytes) === handedOut.get(url) ? 'ok' : 'unexplained: read', url)
  }
  if (kind === 'direct') {
    const query = `?prompt=${encodeURIComponent(prompt)}&size=512x512`
    const response = await fetch(`${gateway.url}/${query}`, { redirect: 'manual' })
    await response.arrayBuffer()
    const location = response.headers.get('location')
    if (response.status === 302 && location) return handOut(new URL(location, gateway.url).href)
    return classify(response.status, response.headers.get('x-error-code'))
  }
  const chat = kind !== 'images'
  // One image request in ten is seeded from a small set, so the store answers some of them.
  const seed = Math.random() < 0.1 ? { seed: 1 + Math.floor(Math.random() * 20) } : {}
  const body = chat
    ? { messages: [{ role: 'user', content: prompt }], stream: kind === 'chat-stream' }
    : { prompt, size: '512x512', ...seed }
  const response = await fetch(
    `${gateway.url}/v1/${chat ? 'chat/completions' : 'images/generations'}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
  )
  const text = await response.text()
  if (response.status !== 200) return classify(response.status, /"code":"([^"]+)"/.exec(text)?.[1])
  if (kind === 'chat-stream' && !text.trimEnd().endsWith('data: [DONE]')) {
    return count('unexplained: stream cut short')
  }
  const key = /\/image\/([\w-]{22,64})/.exec(text)?.[1]
  if (key) return handOut(`${gateway.url}/image/${key}`)
  // A stream that failed after its headers says why in its text (SPEC section 3); an internal
  // error behind it would also be in the gateway's error log, counted below.
  count(kind === 'chat-stream' ? 'fault: stream ended without an image' : 'unexplained: no URL')
}

let issued = 0
let warm: GatewayUsage | undefined
let peakRss = boot.rss
const started = performance.now()
const sampler = setInterval(() => {
  void gateway.usage().then((usage) => {
    peakRss = Math.max(peakRss, usage.rss)
  })
}, 5000)
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (issued < TOTAL && performance.now() - started < MAX_MS) {
      const index = issued++
      if (index === WARMUP) {
        void gateway.usage().then((usage) => {
          warm = usage
        })
      }
      await one(pick(MIX), index).catch((error) => count('unexplained: threw', String(error)))
    }
  }),
)
const seconds = (performance.now() - started) / 1000
clearInterval(sampler)

let lost = 0
for (const [url, hash] of handedOut) {
  const bytes = await read(url)
  if (!bytes || sha256(bytes) !== hash) lost++
}
const end = await gateway.usage()
const growth = end.rss / (warm ?? boot).rss - 1
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`
console.log(
  JSON.stringify(
    {
      storage: STORAGE,
      requests: issued,
      seconds: Number(seconds.toFixed(1)),
      throughput: `${(issued / seconds).toFixed(1)} req/s`,
      outcomes,
      upstreamCalls: upstream.faults,
      gatewayStatuses: end.statuses,
      gatewayErrorLogs: end.errors.slice(0, 5),
      imagesHandedOut: handedOut.size,
      imagesLostOrChanged: lost,
      rss: { boot: mb(boot.rss), afterWarmup: mb((warm ?? boot).rss), peak: mb(peakRss) },
      rssEnd: mb(end.rss),
      heapEnd: mb(end.heapUsed),
      rssGrowthAfterWarmup: `${(growth * 100).toFixed(1)}%`,
    },
    null,
    2,
  ),
)
if (samples.length) console.log('unexplained, first samples:', samples)
const unexplained = Object.keys(outcomes).some((what) => what.startsWith('unexplained'))
const targets = {
  'zero lost or changed images': lost === 0,
  'zero 5xx or errors the fault mix does not explain': !unexplained && !end.errors.length,
  'RSS growth under 20% after warm-up': growth < 0.2,
}
for (const [target, met] of Object.entries(targets))
  console.log(`${met ? 'PASS' : 'FAIL'}  ${target}`)
gateway.stop()
await Promise.all([upstream.close(), redis?.close(), rm(dataDir, { recursive: true, force: true })])
process.exit(Object.values(targets).every(Boolean) ? 0 : 1)
