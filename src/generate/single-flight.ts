/**
 * Single-flight: callers asking for the same key while a call for it is running wait for that
 * call instead of starting their own. The call runs on its own signal, not on any caller's: a
 * caller that leaves (its client disconnected) only stops waiting, and the call is cancelled
 * when the last caller has left. Errors reach every caller. Events the call emits go to every
 * caller, and a late joiner first gets those emitted before it came, so its view is complete.
 *
 * Per process (or Worker isolate): identical requests reaching different instances each make
 * their own call; the content-addressed store then holds whichever finished last.
 */

export type SingleFlight<T, E> = {
  /**
   * Runs `work` for `key`, or joins the call already running for it. Rejects with the signal's
   * reason as soon as `signal` aborts, whatever the call does.
   */
  run(
    key: string,
    options: { signal: AbortSignal; onEvent?: (event: E) => void },
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
}

/** Creates an empty single-flight group. */
export function createSingleFlight<T, E = never>(): SingleFlight<T, E> {
  const flights = new Map<string, Flight<T, E>>()

  function start(key: string, work: Parameters<SingleFlight<T, E>['run']>[2]): Flight<T, E> {
    const flight: Flight<T, E> = {
      promise: undefined as unknown as Promise<T>,
      controller: new AbortController(),
      waiters: 0,
      events: [],
      listeners: new Set(),
    }
    const emit = (event: E) => {
      flight.events.push(event)
      for (const listener of flight.listeners) listener(event)
    }
    flight.promise = (async () => work(flight.controller.signal, emit))().finally(() => {
      if (flights.get(key) === flight) flights.delete(key)
    })
    flights.set(key, flight)
    return flight
  }

  function join(
    key: string,
    flight: Flight<T, E>,
    options: { signal: AbortSignal; onEvent?: (event: E) => void },
  ): Promise<T> {
    const { signal, onEvent } = options
    flight.waiters++
    // A wrapper per caller, so two callers passing one function are still two listeners.
    const listener = (event: E) => onEvent?.(event)
    for (const event of flight.events) listener(event)
    flight.listeners.add(listener)
    return new Promise<T>((resolve, reject) => {
      const detach = () => {
        signal.removeEventListener('abort', leave)
        flight.listeners.delete(listener)
      }
      function leave() {
        detach()
        reject(signal.reason)
        if (--flight.waiters > 0) return
        // Nobody is left to want the result: forget the call, so a newcomer starts afresh
        // rather than joining a doomed one, and cancel its upstream work.
        if (flights.get(key) === flight) flights.delete(key)
        flight.controller.abort(signal.reason)
      }
      if (signal.aborted) return leave()
      signal.addEventListener('abort', leave, { once: true })
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
      return join(key, flights.get(key) ?? start(key, work), options)
    },
    get size() {
      return flights.size
    },
  }
}
