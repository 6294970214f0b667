import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { encodePng } from '../src/image/png.ts'
import { sendJson, startFakeServer } from '../test/fakes/server.ts'

/**
 * The soak's upstream: SiliconFlow's protocol (a generation call answering an image URL on this
 * server, then the download) with one fault drawn at random per generation call; faults in the
 * image itself are carried in the URL the call hands back, so each call is one draw. It records
 * the SHA-256 of every image it delivered whole, and of every truncated one, so the soak can
 * tell a stored image from anything else.
 */

/** Each fault's share of generation calls, as `--name=rate` flags; the rest succeed. */
export const FAULT_MIX = {
  'rate-limited': 0.05, // 429 with Retry-After: 1
  'server-error': 0.1, // 503
  hang: 0.04, // no answer until the gateway gives up (after its UPSTREAM_TIMEOUT)
  cut: 0.04, // the image download stops after 1,000 of its bytes, its length promised whole
  truncated: 0.05, // the image download is a whole PNG but for its IEND chunk
  redirect: 0.05, // the image download redirects once, on the same host, to the image
  drop: 0, // the connection is dropped without an answer
  slow: 0, // answers after 0.3 to 1.5 s
}
export type Fault = keyof typeof FAULT_MIX
/** Faults after which the upstream has not delivered a whole image. */
export const FAILING_FAULTS: Fault[] = ['rate-limited', 'server-error', 'hang', 'cut', 'truncated']
/** Faults carried by the download: the generation call itself answers normally. */
const DOWNLOAD_FAULTS = new Set<string>(['cut', 'truncated', 'redirect'])

/** The mix from `--rate-limited=0.05 --hang=0.1 ...` flags, over FAULT_MIX's defaults. */
export function faultMixFromFlags(args: string[]): Record<Fault, number> {
  const options = Object.fromEntries(
    Object.keys(FAULT_MIX).map((name) => [name, { type: 'string' as const }]),
  )
  const { values } = parseArgs({ args, options, strict: true })
  const mix = { ...FAULT_MIX }
  for (const [name, value] of Object.entries(values)) {
    const rate = Number(value)
    if (!(rate >= 0 && rate <= 1)) throw new Error(`--${name} must be a rate from 0 to 1`)
    mix[name as Fault] = rate
  }
  const total = Object.values(mix).reduce((a, b) => a + b, 0)
  if (total > 1) throw new Error(`the fault rates add up to ${total}, more than 1`)
  return mix
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A key of `weights`, drawn in proportion to its weight. */
export function pick<K extends string>(weights: Record<K, number>): K {
  const entries = Object.entries(weights) as [K, number][]
  let roll = Math.random() * entries.reduce((sum, [, weight]) => sum + weight, 0)
  for (const [key, weight] of entries) {
    roll -= weight
    if (roll < 0) return key
  }
  return entries[entries.length - 1]![0]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A unique noisy 96x96 PNG (~28 KB) per download, so a mixed-up key shows. */
function noisyPng(): Promise<Uint8Array> {
  return encodePng(
    96,
    96,
    new Uint8Array(96 * 96 * 3).map(() => (Math.random() * 256) | 0),
  )
}

export async function startFaultyUpstream(mix: Record<Fault, number>) {
  let served = 0
  const delivered = new Set<string>()
  const truncated = new Set<string>()
  const faults: Record<string, number> = {}
  const none = 1 - Object.values(mix).reduce((a, b) => a + b, 0)
  const server = await startFakeServer(async (request, response) => {
    const download = /^\/files\/\d+\/(\w+)\.png$/.exec(request.path)
    if (download) {
      if (download[1] === 'redirect') {
        response.writeHead(302, { location: request.path.replace('redirect', 'whole') })
        return void response.end()
      }
      const png = await noisyPng()
      if (download[1] === 'cut') {
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length })
        return void response.end(png.subarray(0, 1000), () => response.destroy())
      }
      // IEND is a PNG's last 12 bytes: length 0, the type, its CRC.
      const body = download[1] === 'truncated' ? png.subarray(0, png.length - 12) : png
      ;(download[1] === 'truncated' ? truncated : delivered).add(sha256(body))
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length })
      return void response.end(body)
    }
    const fault = pick<Fault | 'none'>({ ...mix, none })
    faults[fault] = (faults[fault] ?? 0) + 1
    if (fault === 'rate-limited') {
      return sendJson(response, 429, { code: 50603, message: 'IPM limit' }, { 'retry-after': '1' })
    }
    if (fault === 'server-error') return sendJson(response, 503, { code: 50505, message: 'busy' })
    if (fault === 'drop') return void response.socket?.destroy()
    if (fault === 'hang') return void (await new Promise((done) => response.on('close', done)))
    if (fault === 'slow') await sleep(300 + Math.random() * 1200)
    const kind = DOWNLOAD_FAULTS.has(fault) ? fault : 'whole'
    const url = `${server.url}/files/${++served}/${kind}.png`
    sendJson(response, 200, { images: [{ url }], seed: 7 })
  })
  return { ...server, delivered, truncated, faults }
}
