import { createHash } from 'node:crypto'
import { encodePng } from '../src/image/png.ts'
import { sendJson, startFakeServer } from '../test/fakes/server.ts'

/**
 * The soak's upstream: SiliconFlow's protocol (a generation call answering an image URL on this
 * server, then the download) with faults drawn at random per call. It records the SHA-256 of
 * every image it delivered whole, so the soak can tell a stored image from anything else.
 */

/** Per generation call; the rest succeed. Hangs outlast the soak's UPSTREAM_TIMEOUT (3 s). */
export const FAULTS = {
  'rate-limited': 0.08, // 429 with Retry-After: 1
  'server-error': 0.05, // 503
  slow: 0.05, // answers after 0.3 to 1.5 s
  drop: 0.03, // the connection is dropped without an answer
  hang: 0.005, // no answer until the gateway gives up
}
/** Per image download. */
export const DOWNLOAD_FAULTS = { 'download-error': 0.02, 'download-cut': 0.01 }

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

export async function startFaultyUpstream() {
  let served = 0
  const delivered = new Set<string>()
  const faults: Record<string, number> = {}
  const server = await startFakeServer(async (request, response) => {
    const download = request.method === 'GET'
    const table: Record<string, number> = download ? DOWNLOAD_FAULTS : FAULTS
    const fault: string = pick<string>({
      ...table,
      none: 1 - Object.values(table).reduce((a, b) => a + b, 0),
    })
    faults[fault] = (faults[fault] ?? 0) + 1
    if (download) {
      if (fault === 'download-error') return sendJson(response, 500, { error: 'backend' })
      // A unique noisy 96x96 PNG (~28 KB) per download, so a mixed-up key shows.
      const rgb = new Uint8Array(96 * 96 * 3).map(() => (Math.random() * 256) | 0)
      const png = await encodePng(96, 96, rgb)
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length })
      if (fault === 'download-cut') {
        return void response.end(png.subarray(0, 1000), () => response.destroy())
      }
      delivered.add(sha256(png))
      return void response.end(png)
    }
    if (fault === 'rate-limited') {
      return sendJson(response, 429, { code: 50603, message: 'IPM limit' }, { 'retry-after': '1' })
    }
    if (fault === 'server-error') return sendJson(response, 503, { code: 50505, message: 'busy' })
    if (fault === 'drop') return void response.socket?.destroy()
    if (fault === 'hang') return void (await new Promise((done) => response.on('close', done)))
    if (fault === 'slow') await sleep(300 + Math.random() * 1200)
    sendJson(response, 200, { images: [{ url: `${server.url}/files/${++served}.png` }], seed: 7 })
  })
  return { ...server, delivered, faults }
}
