import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSingleFlight } from './single-flight.ts'

/** A call the test finishes by hand, recording whether its signal was aborted. */
function manualWork<T>() {
  let finish!: (value: T) => void
  let fail!: (error: unknown) => void
  const state = { calls: 0, signal: undefined as AbortSignal | undefined }
  const work = (signal: AbortSignal, emit: (event: string) => void) => {
    state.calls++
    state.signal = signal
    emit('started')
    return new Promise<T>((resolve, reject) => {
      finish = resolve
      fail = reject
      signal.addEventListener('abort', () => reject(signal.reason))
    })
  }
  return { work, state, finish: (value: T) => finish(value), fail: (error: unknown) => fail(error) }
}

const open = () => new AbortController()

describe('createSingleFlight', () => {
  it('runs one call for identical keys and hands every caller its value', async () => {
    const flights = createSingleFlight<string, string>()
    const call = manualWork<string>()
    const waiting = Array.from({ length: 5 }, () =>
      flights.run('k', { signal: open().signal }, call.work),
    )
    expect(flights.size).toBe(1)
    call.finish('image')
    expect(await Promise.all(waiting)).toEqual(Array(5).fill('image'))
    expect(call.state.calls).toBe(1)
    expect(flights.size).toBe(0)
  })

  it('runs separate calls for separate keys, and a new call once the last one ended', async () => {
    const flights = createSingleFlight<number, string>()
    let calls = 0
    const work = async () => ++calls
    expect(
      await Promise.all([
        flights.run('a', { signal: open().signal }, work),
        flights.run('b', { signal: open().signal }, work),
      ]),
    ).toEqual([1, 2])
    expect(await flights.run('a', { signal: open().signal }, work)).toBe(3)
  })

  it('sends every caller the same error', async () => {
    const flights = createSingleFlight<string, string>()
    const call = manualWork<string>()
    const waiting = [1, 2, 3].map(() => flights.run('k', { signal: open().signal }, call.work))
    call.fail(new Error('upstream down'))
    for (const result of await Promise.allSettled(waiting)) {
      expect(result).toMatchObject({ status: 'rejected', reason: { message: 'upstream down' } })
    }
  })

  it('lets a caller leave without cancelling the call for the others', async () => {
    const flights = createSingleFlight<string, string>()
    const call = manualWork<string>()
    const leaving = open()
    const left = flights.run('k', { signal: leaving.signal }, call.work)
    const staying = flights.run('k', { signal: open().signal }, call.work)
    leaving.abort(new Error('client gone'))
    await expect(left).rejects.toThrow('client gone')
    expect(call.state.signal?.aborted).toBe(false)
    call.finish('image')
    expect(await staying).toBe('image')
  })

  it('cancels the call once every caller has left, and starts afresh for a newcomer', async () => {
    const flights = createSingleFlight<string, string>()
    const first = manualWork<string>()
    const callers = [open(), open()]
    const waiting = callers.map((c) => flights.run('k', { signal: c.signal }, first.work))
    callers[0]!.abort('gone')
    expect(first.state.signal?.aborted).toBe(false)
    callers[1]!.abort('gone too')
    expect(first.state.signal?.aborted).toBe(true)
    expect(first.state.signal?.reason).toBe('gone too')
    await Promise.allSettled(waiting)
    expect(flights.size).toBe(0)

    const second = manualWork<string>()
    const fresh = flights.run('k', { signal: open().signal }, second.work)
    second.finish('new image')
    expect(await fresh).toBe('new image')
    expect(second.state.calls).toBe(1)
  })

  it('refuses a caller whose signal already aborted, without starting a call', async () => {
    const flights = createSingleFlight<string, string>()
    const call = manualWork<string>()
    const gone = open()
    gone.abort('gone')
    await expect(flights.run('k', { signal: gone.signal }, call.work)).rejects.toBe('gone')
    expect(call.state.calls).toBe(0)
  })

  it('replays earlier events to a late joiner, then sends it the rest', async () => {
    const flights = createSingleFlight<string, string>()
    const call = manualWork<string>()
    const early: string[] = []
    const late: string[] = []
    const one = flights.run(
      'k',
      { signal: open().signal, onEvent: (e) => early.push(e) },
      call.work,
    )
    const two = flights.run('k', { signal: open().signal, onEvent: (e) => late.push(e) }, call.work)
    expect(late).toEqual(['started'])
    call.finish('image')
    await Promise.all([one, two])
    expect(early).toEqual(['started'])
  })
})

describe('createSingleFlight with deadlines', () => {
  afterEach(() => {
    vi.useRealTimers()
  })
  const T0 = Date.UTC(2026, 0, 1)
  /** Work that never settles and ignores its signal, like a call whose I/O workerd dropped. */
  const lost = { calls: 0 }
  const neverSettles = () => {
    lost.calls++
    return new Promise<string>(() => {})
  }

  it('rejects each caller at its own deadline, whatever the call does', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const flights = createSingleFlight<string, string>()
    const leader = flights.run('k', { signal: open().signal, timeoutMs: 90_000 }, neverSettles)
    await vi.advanceTimersByTimeAsync(30_000)
    const follower = flights.run('k', { signal: open().signal, timeoutMs: 10_000 }, neverSettles)
    const ended: unknown[] = []
    for (const caller of [leader, follower]) caller.catch((error) => ended.push(error))
    await vi.advanceTimersByTimeAsync(9_999)
    expect(ended).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(ended).toEqual([expect.objectContaining({ status: 504, code: 'timeout' })])
    await vi.advanceTimersByTimeAsync(50_000)
    expect(ended).toHaveLength(2)
    expect(ended[1]).toMatchObject({ status: 504, code: 'timeout' })
  })

  it('starts a new call for a newcomer once the call outlived its deadline', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const flights = createSingleFlight<string, string>()
    const stale = manualWork<string>()
    void flights.run('k', { signal: open().signal, timeoutMs: 90_000 }, stale.work).catch(() => {})
    // The clock moves but no timer of the first request runs: it was torn down.
    vi.setSystemTime(T0 + 90_000)
    const fresh = manualWork<string>()
    const next = flights.run('k', { signal: open().signal, timeoutMs: 90_000 }, fresh.work)
    expect(fresh.state.calls).toBe(1)
    fresh.finish('new image')
    expect(await next).toBe('new image')
    expect(stale.state.calls).toBe(1)
    // The retired call is told to stop, as a timeout (not as a client leaving).
    expect(stale.state.signal?.reason).toMatchObject({ name: 'TimeoutError' })
  })

  it('joins a call still within its deadline', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const flights = createSingleFlight<string, string>()
    const call = manualWork<string>()
    const first = flights.run('k', { signal: open().signal, timeoutMs: 90_000 }, call.work)
    vi.setSystemTime(T0 + 89_999)
    const second = flights.run('k', { signal: open().signal, timeoutMs: 90_000 }, call.work)
    call.finish('image')
    expect(await Promise.all([first, second])).toEqual(['image', 'image'])
    expect(call.state.calls).toBe(1)
  })

  it('starts a new call once the caller that began it has left; its followers still get it', async () => {
    const flights = createSingleFlight<string, string>()
    const first = manualWork<string>()
    const leader = open()
    const left = flights.run('k', { signal: leader.signal }, first.work)
    const follower = flights.run('k', { signal: open().signal }, first.work)
    leader.abort(new Error('client gone'))
    await expect(left).rejects.toThrow('client gone')
    const second = manualWork<string>()
    const newcomer = flights.run('k', { signal: open().signal }, second.work)
    expect(second.state.calls).toBe(1)
    first.finish('first image')
    second.finish('second image')
    expect(await follower).toBe('first image')
    expect(await newcomer).toBe('second image')
  })
})
