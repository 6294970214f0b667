import { GatewayError } from '../errors.ts'

/**
 * Single-flight: callers asking for the same key while a call for it is running wait for that
 * call instead of starting their own. The call runs on its own signal, not on any caller's: a
 * caller that leaves (its client disconnected, its deadline passed) only stops waiting, and the
 * call is cancelled when the last caller has left. Errors reach every caller. Events the call
 * emits go to every caller, and a late joiner first gets those emitted before it came, so its
 * view is complete.
 *
 * On Workers the call belongs to the request that began it: when that request's client leaves,
 * workerd may drop the call's I/O and never resume it, so its promise never settles. So nothing
 * here relies on the call ending: every caller is held only by its own signal and deadline, and
 * a call whose first caller has left, or which has outlived that caller's deadline, is retired:
 * the next caller for its key starts a new one.
 *
 * Per process (or Worker isolate): identical requests reaching different instances each make
 * their own call; the content-addressed store then holds whichever finished last.
 */

export type SingleFlightOptions<E> = {
  signal: AbortSignal
  /** This caller's time left; it then rejects with a 504, whatever the call does. */
  timeoutMs?: number
  onEvent?: (event: E) => void
}

export type SingleFlight<T, E> = {
  /**
   * Runs `work` for `key`, or joins the call already running for it. Rejects with the signal's
   * reason as soon as `signal` aborts, and with a 504 once `timeoutMs` has passed.
   */
  run(
    key: string,
    options: SingleFlightOptions<E>,
    work: (signal: AbortSignal, emit: (event: E) => void) => Promise<T>,
  ): Promise<T>
  /** Calls in flight now. */
  readonly size: number
}

type Flight<T, E> = {
  promise: Promise<T>
  controller: AbortController
  waiters: number
  events: E[]
  listeners: Set<(event: E) => void>
  /** Epoch ms: the deadline of the caller that began it; later callers start a new call. */
  retiresAt: number
}

const timedOut = () => new GatewayError(504, 'timeout', 'No image within the request timeout.')

/** Creates an empty single-flight group. */
export function createSingleFlight<T, E = never>(): SingleFlight<T, E> {
  const flights = new Map<string, Flight<T, E>>()

  /** Lets the next caller for `key` start afresh; callers already waiting keep waiting. */
  function retire(key: string, flight: Flight<T, E>): void {
    if (flights.get(key) === flight) flights.delete(key)
  }

  function start(
    key: string,
    work: Parameters<SingleFlight<T, E>['run']>[2],
    timeoutMs: number,
  ): Flight<T, E> {
    const flight: Flight<T, E> = {
      promise: undefined as unknown as Promise<T>,
      controller: new AbortController(),
      waiters: 0,
      events: [],
      listeners: new Set(),
      retiresAt: Date.now() + timeoutMs,
    }
    const emit = (event: E) => {
      flight.events.push(event)
      for (const listener of flight.listeners) listener(event)
    }
    flight.promise = (async () => work(flight.controller.signal, emit))().finally(() =>
      retire(key, flight),
    )
    flights.set(key, flight)
    return flight
  }

  function join(
    key: string,
    flight: Flight<T, E>,
    options: SingleFlightOptions<E> & { leader: boolean },
  ): Promise<T> {
    const { signal, onEvent } = options
    flight.waiters++
    // A wrapper per caller, so two callers passing one function are still two listeners.
    const listener = (event: E) => onEvent?.(event)
    for (const event of flight.events) listener(event)
    flight.listeners.add(listener)
    return new Promise<T>((resolve, reject) => {
      const aborted = () => leave(signal.reason)
      // Set from this caller's own request, so it fires even when the call's request is gone.
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => leave(timedOut()), Math.max(0, options.timeoutMs))
      const detach = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', aborted)
        flight.listeners.delete(listener)
      }
      function leave(reason: unknown) {
        detach()
        reject(reason)
        // The call may die with the request that began it (see above): newcomers start afresh.
        if (options.leader) retire(key, flight)
        if (--flight.waiters > 0) return
        // Nobody is left to want the result: forget the call, so a newcomer starts afresh
        // rather than joining a doomed one, and cancel its upstream work.
        retire(key, flight)
        flight.controller.abort(reason)
      }
      if (signal.aborted) return leave(signal.reason)
      signal.addEventListener('abort', aborted, { once: true })
      flight.promise.then(
        (value) => {
          detach()
          resolve(value)
        },
        (error: unknown) => {
          detach()
          reject(error)
        },
      )
    })
  }

  return {
    run(key, options, work) {
      if (options.signal.aborted) return Promise.reject(options.signal.reason)
      const running = flights.get(key)
      if (running && Date.now() < running.retiresAt) {
        return join(key, running, { ...options, leader: false })
      }
      // A call past its first caller's deadline is one nothing will end: let it go.
      running?.controller.abort(new DOMException('The request timed out', 'TimeoutError'))
      if (running) retire(key, running)
      const flight = start(key, work, options.timeoutMs ?? Number.POSITIVE_INFINITY)
      return join(key, flight, { ...options, leader: true })
    },
    get size() {
      return flights.size
    },
  }
}
