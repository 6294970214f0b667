/**
 * Responses kept for replay under an idempotency key: each is recorded as its body is produced,
 * so a request joining while it runs gets what was sent so far and then the rest live (a chat
 * stream included), and one arriving after it finished gets it whole. In memory, per process or
 * Worker isolate, bounded in entries and in body bytes, oldest evicted first.
 */

/** A response as it is being produced: status and headers at once, body chunks as they come. */
export type Recording = {
  status: number
  headers: [string, string][]
  chunks: Uint8Array[]
  bytes: number
  /** Resolves when the body has ended; `failed` when it broke off. */
  ended: Promise<void>
  complete: boolean
  failed: boolean
  listeners: Set<(chunk: Uint8Array | null) => void>
}

/**
 * Reads `response`'s body to its end into a recording, whoever listens or leaves; or, given the
 * `whole` body the runtime made it with, records that, complete at once, leaving it unread.
 */
export function record(
  response: Response,
  headers: [string, string][],
  whole?: Uint8Array,
): Recording {
  const recording: Recording = {
    status: response.status,
    headers,
    chunks: whole?.byteLength ? [whole] : [],
    bytes: whole?.byteLength ?? 0,
    ended: Promise.resolve(),
    complete: whole !== undefined,
    failed: false,
    listeners: new Set(),
  }
  if (whole) return recording
  const push = (chunk: Uint8Array | null) => {
    if (chunk) {
      recording.chunks.push(chunk)
      recording.bytes += chunk.byteLength
    } else recording.complete = true
    for (const listener of recording.listeners) listener(chunk)
  }
  recording.ended = (async () => {
    if (!response.body) return
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      push(value)
    }
  })()
    .catch(() => {
      recording.failed = true
    })
    .finally(() => push(null))
  return recording
}

/** A body stream of the recording: what it holds now, then the rest as it comes. */
export function playback(recording: Recording): ReadableStream<Uint8Array> {
  let listener: ((chunk: Uint8Array | null) => void) | undefined
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of recording.chunks) controller.enqueue(chunk)
      if (recording.complete) return controller.close()
      listener = (chunk) => {
        if (chunk) return controller.enqueue(chunk)
        recording.listeners.delete(listener!)
        controller.close()
      }
      recording.listeners.add(listener)
    },
    cancel() {
      // Only this listener leaves; the recording goes on for the others and for later replays.
      if (listener) recording.listeners.delete(listener)
    },
  })
}

/** One idempotency key's request: what it asked (its fingerprint) and its answer. */
export type ReplayEntry = {
  fingerprint: string
  /** Resolves with the recording once the handler has answered. */
  answer: Promise<Recording>
  /** Epoch ms after which it is forgotten; Infinity while it runs. */
  expiresAt: number
  bytes: number
}

export type ReplayCacheLimits = {
  maxEntries: number
  maxBytes: number
  ttlMs: number
  now: () => number
}

export type ReplayCache = {
  /** The live entry for `id`, if any (an expired one is dropped). */
  get(id: string): ReplayEntry | undefined
  /** Starts an entry for a request now running. */
  begin(id: string, fingerprint: string, answer: Promise<Recording>): ReplayEntry
  /**
   * Keeps a finished entry, whose body holds `bodyBytes`, for replay for ttlMs; forgets it when
   * `bodyBytes` is null (not to be replayed) or over the byte bound.
   */
  settle(id: string, entry: ReplayEntry, bodyBytes: number | null): void
  readonly bytes: number
}

export function createReplayCache(limits: ReplayCacheLimits): ReplayCache {
  const entries = new Map<string, ReplayEntry>()
  let bytes = 0

  const drop = (id: string) => {
    const entry = entries.get(id)
    if (!entry) return
    entries.delete(id)
    bytes -= entry.bytes
  }
  const makeRoom = (entryBytes: number, slots: number) => {
    const now = limits.now()
    for (const [id, entry] of entries) if (entry.expiresAt <= now) drop(id)
    // Map order is insertion order: the first entries are the oldest.
    for (const id of entries.keys()) {
      if (entries.size + slots <= limits.maxEntries && bytes + entryBytes <= limits.maxBytes) break
      drop(id)
    }
  }

  return {
    get(id) {
      const entry = entries.get(id)
      if (entry && entry.expiresAt <= limits.now()) {
        drop(id)
        return undefined
      }
      return entry
    },
    begin(id, fingerprint, answer) {
      drop(id)
      makeRoom(0, 1)
      const entry: ReplayEntry = {
        fingerprint,
        answer,
        expiresAt: Number.POSITIVE_INFINITY,
        bytes: 0,
      }
      entries.set(id, entry)
      return entry
    },
    settle(id, entry, bodyBytes) {
      // Evicted meanwhile, or replaced: nothing to keep.
      if (entries.get(id) !== entry) return
      entries.delete(id)
      if (bodyBytes === null || bodyBytes > limits.maxBytes) return
      entry.bytes = bodyBytes
      makeRoom(bodyBytes, 1)
      entry.expiresAt = limits.now() + limits.ttlMs
      entries.set(id, entry)
      bytes += entry.bytes
    },
    get bytes() {
      return bytes
    },
  }
}
