import type { ServerResponse } from 'node:http'
import { type FakeServer, sendJson, startFakeServer } from '../../fakes/server.ts'
import { makeJpeg, toBase64 } from '../../fakes/workers-ai-image.ts'

/**
 * A Workers AI REST upstream (`/client/v4/accounts/{id}/ai/run/{model}`, the v4 envelope with a
 * base64 image) that holds every reply until the test releases it, and notices when the gateway
 * hangs up on a held call. The tests use it to read a stream while generation is still under
 * way and to see a client's disconnect reach the upstream, with no timing involved.
 */
export type HeldUpstream = FakeServer & {
  /** The value for CF_API_BASE. */
  apiBase: string
  /** Resolves when the next call arrives (or at once if one is waiting unanswered). */
  arrived(): Promise<void>
  /** Resolves when the gateway closes a call before its reply was sent. */
  abandoned(): Promise<void>
  /** Answers every held call, and from now on answers at once. */
  release(): void
  /** Holds calls again. */
  hold(): void
  /** Calls the gateway gave up on. */
  abandonedCount: number
}

export const ACCOUNT = { CF_ACCOUNT_ID: 'account-1', CF_API_TOKEN: 'token-1' }

export async function startHeldUpstream(): Promise<HeldUpstream> {
  const image = makeJpeg(64, 64)
  const body = { result: { image: toBase64(image) }, success: true, errors: [], messages: [] }
  let held = true
  let waiting: { response: ServerResponse; answer: () => void }[] = []
  const arrivals = signals()
  const abandons = signals()

  const server = await startFakeServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${ACCOUNT.CF_API_TOKEN}`) {
      return sendJson(response, 401, { success: false, errors: [{ code: 10000 }] })
    }
    const answer = () => sendJson(response, 200, body)
    if (!held) return answer()
    response.on('close', () => {
      if (response.writableFinished) return
      upstream.abandonedCount++
      abandons.fire()
    })
    waiting.push({ response, answer })
    arrivals.fire()
  })
  const upstream: HeldUpstream = Object.assign(server, {
    apiBase: `${server.url}/client/v4`,
    arrived: () => arrivals.next(),
    abandoned: () => abandons.next(),
    release() {
      held = false
      for (const call of waiting) if (!call.response.destroyed) call.answer()
      waiting = []
    },
    hold() {
      held = true
    },
    abandonedCount: 0,
  })
  return upstream
}

/** An event a test can wait for; a firing with nobody waiting is kept for the next waiter. */
function signals() {
  let pending = 0
  const waiters: (() => void)[] = []
  return {
    fire() {
      const waiter = waiters.shift()
      if (waiter) waiter()
      else pending++
    },
    next(): Promise<void> {
      if (pending > 0) {
        pending--
        return Promise.resolve()
      }
      return new Promise((resolve) => waiters.push(resolve))
    },
  }
}
