import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redisAvailable, startRedis } from '../test/node/redis-server.ts'
import { type GatewayUsage, startGatewayProcess } from './soak-gateway.ts'
import {
  FAILING_FAULTS,
  faultMixFromFlags,
  pick,
  sha256,
  startFaultyUpstream,
} from './soak-upstream.ts'

/**
 * `npm run soak [-- --hang=0.1 ...]`: thousands of mixed requests (chat, streamed chat, images
 * API, direct GET, `/image/` reads) against the Node server in a child process, over SOAK_TARGETS
 * keys of one upstream that draws a fault per generation call (soak-upstream.ts FAULT_MIX, each
 * rate a flag). Everything runs on 127.0.0.1 and stops by itself: after SOAK_REQUESTS requests
 * or SOAK_SECONDS of issuing, whichever comes first, then at most REQUEST_TIMEOUT (30 s) more.
 * Every image handed out is read at once and again at the end: its bytes must not change.
 * Prints figures; exits 1 when a target is missed: an image lost or changed, a truncated image
 * handed out, a 500 or an error the fault mix cannot explain, RSS growing by 20% or more after
 * warm-up, or the gateway dying. Not part of `npm test`.
 *
 * SOAK_REQUESTS (4000), SOAK_CONCURRENCY (24), SOAK_TARGETS (4), SOAK_STORAGE (fs | memory |
 * redis; redis starts its own redis-server), SOAK_SECONDS (240), SOAK_FETCH=undici.
 */

const env = process.env
const TOTAL = Number(env.SOAK_REQUESTS ?? 4000)
const CONCURRENCY = Number(env.SOAK_CONCURRENCY ?? 24)
const TARGETS = Number(env.SOAK_TARGETS ?? 4)
const STORAGE = env.SOAK_STORAGE ?? 'fs'
const MAX_MS = Number(env.SOAK_SECONDS ?? 240) * 1000
const MIX = faultMixFromFlags(process.argv.slice(2))
/** RSS growth is measured from here: the first requests warm the JIT and buffers up. */
const WARMUP = Math.floor(TOTAL / 10)
const KEYS = Array.from({ length: TARGETS }, (_, i) => `sk-soak-${i}-abcdefghijklmnop`)
const REQUESTS = { chat: 18, 'chat-stream': 18, images: 24, direct: 15, read: 25 }
/** What a request may end with when every upstream it could try failed. */
const FAULT_CODES = ['upstream_failed', 'all_targets_cooling_down', 'no_usable_upstream', 'timeout']

const upstream = await startFaultyUpstream(MIX)
const redis = STORAGE === 'redis' && redisAvailable ? await startRedis() : undefined
if (STORAGE === 'redis' && !redis) throw new Error('SOAK_STORAGE=redis needs /usr/bin/redis-server')
const dataDir = await mkdtemp(join(tmpdir(), 'fluxgate-soak-'))
const gateway = await startGatewayProcess({
  ...{ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, STORAGE, RATE_LIMIT: '0' },
  ...{ UPSTREAM_TIMEOUT: '3', REQUEST_TIMEOUT: '30' },
  ...{ IMAGE_API_KEYS: KEYS.join(','), SILICONFLOW_API_BASE: `${upstream.url}/v1` },
  ...(redis && { REDIS_URL: redis.url }),
})
const boot = await gateway.usage()

const handedOut = new Map<string, string>() // URL -> SHA-256 of the bytes read at hand-out
const outcomes: Record<string, number> = {}
const samples: string[] = []
const tally = { generations: 0, successes: 0, unexplained5xx: 0, truncatedHandedOut: 0 }
function count(what: string, detail = ''): void {
  outcomes[what] = (outcomes[what] ?? 0) + 1
  if (what.startsWith('unexplained') && samples.length < 20) samples.push(`${what} ${detail}`)
}
function classify(status: number, code: string | null | undefined): void {
  const explained = FAULT_CODES.includes(code ?? '')
  if (!explained && status >= 500) tally.unexplained5xx++
  count(`${explained ? 'fault' : 'unexplained'}: ${status} ${code}`)
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
  if ((handedOut.get(url) ?? hash) !== hash) return count('unexplained: seeded image changed', url)
  handedOut.set(url, hash)
  if (upstream.truncated.has(hash)) {
    tally.truncatedHandedOut++
    return count('defect: truncated image (PNG without IEND) handed out')
  }
  if (!upstream.delivered.has(hash)) return count('unexplained: bytes not from upstream', url)
  tally.successes++
  count('ok')
}

async function one(kind: keyof typeof REQUESTS, index: number): Promise<void> {
  const prompt = `soak ${index}: a lighthouse at dusk`
  if (kind === 'read') {
    const urls = [...handedOut.keys()]
    const url = urls[Math.floor(Math.random() * urls.length)]
    if (!url) return count('read skipped (nothing handed out yet)')
    const bytes = await read(url)
    return count(
      bytes && sha256(bytes) === handedOut.get(url) ? 'read ok' : 'unexplained: read',
      url,
    )
  }
  tally.generations++
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
  // A stream that failed after its headers says why in its text; an internal error behind it
  // would also be in the gateway's error log, counted below.
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
      await one(pick(REQUESTS), index).catch((error) => count('unexplained: threw', String(error)))
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
const calls = Object.values(upstream.faults).reduce((a, b) => a + b, 0)
const failing = FAILING_FAULTS.reduce((sum, fault) => sum + (upstream.faults[fault] ?? 0), 0)
console.log(
  JSON.stringify(
    {
      storage: STORAGE,
      targets: TARGETS,
      faultMix: MIX,
      seconds: Number(seconds.toFixed(1)),
      outcomes,
      upstreamCalls: upstream.faults,
      gatewayStatuses: end.statuses,
      gatewayErrorLogs: end.errors.slice(0, 5),
      rssPeak: mb(peakRss),
      heapEnd: mb(end.heapUsed),
    },
    null,
    2,
  ),
)
const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`
const figures = {
  'requests (all / generating)': `${issued} / ${tally.generations}`,
  'successes (of generating)': `${tally.successes} (${percent(tally.successes, tally.generations)})`,
  'upstream calls that failed': `${failing} of ${calls} (${percent(failing, calls)})`,
  'images handed out / lost': `${handedOut.size} / ${lost}`,
  'truncated images handed out': tally.truncatedHandedOut,
  'unexplained 5xx': tally.unexplained5xx,
  'RSS start -> after warm-up -> end': `${mb(boot.rss)} -> ${mb((warm ?? boot).rss)} -> ${mb(end.rss)} (${(growth * 100).toFixed(1)}% after warm-up)`,
  'open files start -> end': `${boot.openFiles ?? 'n/a'} -> ${end.openFiles ?? 'n/a'}`,
}
for (const [figure, value] of Object.entries(figures)) console.log(`${figure}: ${value}`)
if (samples.length) console.log('unexplained, first samples:', samples)
const unexplained = Object.keys(outcomes).some((what) => what.startsWith('unexplained'))
const targets = {
  'zero lost or changed images': lost === 0,
  'zero truncated images handed out': tally.truncatedHandedOut === 0,
  'zero 5xx or errors the fault mix does not explain': !unexplained && !end.errors.length,
  'RSS growth under 20% after warm-up': growth < 0.2,
}
for (const [target, met] of Object.entries(targets))
  console.log(`${met ? 'PASS' : 'FAIL'}  ${target}`)
gateway.stop()
await Promise.all([upstream.close(), redis?.close(), rm(dataDir, { recursive: true, force: true })])
process.exit(Object.values(targets).every(Boolean) ? 0 : 1)
