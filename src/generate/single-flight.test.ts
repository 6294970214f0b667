import { describe, expect, it } from 'vitest'
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
