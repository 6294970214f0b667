import type { Context } from 'hono'
import type { Config } from './config.ts'
import type { Gateway, PromptPreparer } from './generate/index.ts'
import type { EventResponder } from './http/event-response.ts'
import type { PartsResponder } from './http/parts-body.ts'
import { memoryRateLimiter } from './limits/memory.ts'
import type { RateLimiter } from './limits/types.ts'
import { createKeyChecker, type KeyChecker } from './middleware/auth.ts'
import {
  jsonLogger,
  type Logger,
  type RequestLogFields,
  type RequestLogLine,
} from './middleware/request-log.ts'
import { Catalogue } from './pool/catalogue.ts'
import { createPromptPreparer } from './prompt/optimizer.ts'
import { buildProviders } from './providers/build.ts'
import type { ProviderBindings } from './providers/types.ts'
import type { ImageStore } from './storage/types.ts'

/** What a runtime entry hands the app. Everything runtime-specific comes in through here. */
export type AppDeps = {
  config: Config
  /** Null when the runtime has no storage (a Worker without KV or R2): images are inlined. */
  storage: ImageStore | null
  bindings?: ProviderBindings
  /** Outbound fetch; tests and the Workers outbound mock replace it. */
  fetch?: typeof fetch
  log?: Logger
  now?: () => number
  /** The client's IP address, as the runtime knows it (socket on Node, CF-Connecting-IP on Workers). */
  clientAddress?: (c: Context) => string | undefined
  /** Shared per-IP limiter (Workers binding, or Redis on Node); absent: in memory, per process. */
  rateLimiter?: RateLimiter
  /** Sees every request log line as it is logged (the Node entry feeds Prometheus metrics). */
  observe?: (line: RequestLogLine) => void
  /**
   * SHA-256 of a few hundred bytes, for client keys and idempotency names; absent: Web Crypto.
   * Node's Web Crypto runs each digest as a job on its thread pool, about 50 us of CPU where
   * node:crypto's hash takes 4, so the Node entry passes that one.
   */
  sha256?: Sha256
  /**
   * Makes the response of an Images reply's byte parts (http/parts-body.ts): the Node entry's
   * writes them to the socket as they are. Absent: each reply's body is joined into one buffer.
   */
  partsResponse?: PartsResponder
  /**
   * The body a response was made with, when the runtime can tell without reading it (the Node
   * entry: @hono/node-server's light Response keeps its init); undefined when it cannot, or when
   * that body is a stream. The idempotency recording takes a whole reply from it, leaving the
   * response itself unread for the runtime to write as it would have.
   */
  bodyInit?: (response: Response) => Uint8Array | undefined
  /**
   * Makes the response of an event stream (http/event-response.ts): the Node entry's makes its
   * body only if read, and writes the events to the socket itself. Absent: a web stream.
   */
  eventResponse?: EventResponder
  /**
   * A prebuilt catalogue (targets and their health). Tests pass the one they also drive
   * `generateImages` with, to read its health through /v1/status; absent: built from config.
   */
  catalogue?: Catalogue
  /** Builds the prompt translator/optimizer; defaults to prompt/optimizer.ts (LLM from config). */
  createPromptPreparer?: (
    gateway: Omit<Gateway, 'preparePrompt'>,
    bindings: ProviderBindings,
  ) => PromptPreparer | undefined
}

/** Everything routes and middleware use, built once per app and read from the context. */
export type Services = Gateway & {
  log: Logger
  /** The one check of a presented client key against API_KEY/API_KEYS. */
  checkKey: KeyChecker
  /** Counts public generation per client address; null when RATE_LIMIT=0. */
  rateLimiter: RateLimiter | null
  clientAddress: (c: Context) => string | undefined
  sha256: Sha256
  partsResponse: PartsResponder | undefined
  bodyInit: ((response: Response) => Uint8Array | undefined) | undefined
  eventResponse: EventResponder | undefined
}

export type Sha256 = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array | Promise<Uint8Array>

/** The Web Crypto digest: the default, and the Worker's. */
export const webSha256: Sha256 = async (bytes) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))

export type AppEnv = {
  Variables: {
    services: Services
    requestId: string
    /** What routes add to the request's log line (see addLogFields). */
    log: RequestLogFields
    /** Set by a streaming route: the request's log line waits until the stream has ended. */
    logAfter: Promise<void> | undefined
    /** Set when the work runs on a signal of its own rather than the client's (http/run-signal.ts). */
    runSignal: AbortSignal | undefined
  }
}

/** Builds the service bag from what the runtime provides, with the defaults filled in. */
export function buildServices(deps: AppDeps): Services {
  const { config } = deps
  const now = deps.now ?? Date.now
  const bindings = deps.bindings ?? {}
  const base = {
    config,
    storage: deps.storage,
    catalogue:
      deps.catalogue ??
      new Catalogue(buildProviders(config, bindings), config.defaultModel ?? undefined),
    fetch: deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
    now,
  }
  const rule = config.rateLimit
  const sha256 = deps.sha256 ?? webSha256
  return {
    ...base,
    preparePrompt: (deps.createPromptPreparer ?? createPromptPreparer)(base, bindings),
    log: deps.log ?? jsonLogger,
    checkKey: createKeyChecker(config.clientKeys, sha256),
    // RATE_LIMIT=0 turns off the runtime's limiter too.
    rateLimiter: rule ? (deps.rateLimiter ?? memoryRateLimiter({ ...rule, now })) : null,
    clientAddress: deps.clientAddress ?? (() => undefined),
    sha256,
    partsResponse: deps.partsResponse,
    bodyInit: deps.bodyInit,
    eventResponse: deps.eventResponse,
  }
}
