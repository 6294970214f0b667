import { encodePng } from '../../src/image/png.ts'
import { delay, type FakeServer, sendJson, startFakeServer } from '../fakes/server.ts'

/**
 * A scriptable upstream speaking SiliconFlow's protocol (`POST /v1/images/generations` answering
 * `{images: [{url}], seed}`, the URL served by the same server) for the pool failover tests:
 * what each generation call gets is decided by `script`, which the test may swap at any time.
 * Counts are by outcome, so a test can compare them with what the pool recorded.
 */

/** What one generation call gets. */
export type Outcome =
  | { kind: 'ok'; delayMs?: number }
  | { kind: 'error'; status: number; retryAfter?: number; delayMs?: number }

export type ScriptedUpstream = FakeServer & {
  /** The base URL for PROVIDERS: `<url>/v1`. */
  baseUrl: string
  /** Generation calls received (downloads not counted). */
  calls(): number
  /** Calls answered with an image / with an error. */
  answered: { ok: number; error: number }
  /** Decides the next calls' outcome from the call number (1-based). */
  script: (call: number) => Outcome
  /** The PNG every successful call serves. */
  image: Uint8Array
}

export const ok = (delayMs = 0): Outcome => ({ kind: 'ok', delayMs })
export const fail = (status: number, retryAfter?: number): Outcome => ({
  kind: 'error',
  status,
  retryAfter,
})

export async function startScriptedUpstream(
  script: (call: number) => Outcome = () => ok(),
): Promise<ScriptedUpstream> {
  const image = await encodePng(64, 64, new Uint8Array(64 * 64 * 3).fill(90))
  let count = 0
  let origin = ''
  const state = { answered: { ok: 0, error: 0 }, script }
  const server = await startFakeServer(async (request, response) => {
    const path = request.path.split('?')[0]!
    if (request.method === 'GET' && path === '/files/image.png') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length })
      response.end(image)
      return
    }
    if (request.method !== 'POST' || path !== '/v1/images/generations') {
      sendJson(response, 404, { code: 404, message: 'Not Found', data: null })
      return
    }
    const outcome = state.script(++count)
    if (outcome.delayMs) await delay(outcome.delayMs)
    if (response.destroyed) return // the gateway gave up on this call
    if (outcome.kind === 'error') {
      state.answered.error++
      const headers: Record<string, string> =
        outcome.retryAfter === undefined ? {} : { 'retry-after': String(outcome.retryAfter) }
      sendJson(
        response,
        outcome.status,
        { code: 50000 + outcome.status, message: `scripted HTTP ${outcome.status}`, data: null },
        headers,
      )
      return
    }
    state.answered.ok++
    const seed = (JSON.parse(request.body.toString('utf8')) as { seed?: number }).seed ?? 1
    sendJson(response, 200, { images: [{ url: `${origin}/files/image.png` }], seed })
  })
  origin = server.url
  const upstream: ScriptedUpstream = {
    ...server,
    baseUrl: `${server.url}/v1`,
    image,
    calls: () => count,
    answered: state.answered,
    get script() {
      return state.script
    },
    set script(next) {
      state.script = next
    },
  }
  return upstream
}

/** PROVIDERS for two SiliconFlow-protocol upstreams; `a` first (priority 1) unless `equal`. */
export function twoProviders(
  a: ScriptedUpstream,
  b: ScriptedUpstream,
  options: { equal?: boolean } = {},
): string {
  return JSON.stringify([
    { type: 'siliconflow', keys: ['key-a'], baseUrl: a.baseUrl, priority: options.equal ? 0 : 1 },
    { type: 'siliconflow', keys: ['key-b'], baseUrl: b.baseUrl },
  ])
}
