import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Config } from './config.ts'
import { errorBody, errorHeaders, GatewayError, notFound, toGatewayError } from './errors.ts'
import type { Gateway, PromptPreparer } from './generate.ts'
import type { RateLimiter } from './limits/types.ts'
import { createKeyChecker, requireClientKey } from './middleware/auth.ts'
import { cors } from './middleware/cors.ts'
import { jsonLogger, type Logger, type LogLine, requestLog } from './middleware/request-log.ts'
import { Catalogue } from './pool/catalogue.ts'
import { createPromptPreparer } from './prompt/optimizer.ts'
import { buildProviders } from './providers/build.ts'
import type { ProviderBindings } from './providers/types.ts'
import { chatRoutes } from './routes/chat.ts'
import { directRoutes } from './routes/direct.ts'
import { guiRoutes } from './routes/gui.ts'
import { healthRoutes } from './routes/health.ts'
import { imagesRoutes } from './routes/images.ts'
import { modelsRoutes } from './routes/models.ts'
import { openApiRoutes } from './routes/openapi.ts'
import { pageRoutes } from './routes/pages.ts'
import { statusRoutes } from './routes/status.ts'
import { storedImageRoutes } from './routes/stored-image.ts'
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
  observe?: (line: LogLine) => void
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

export type AppEnv = {
  Variables: {
    gateway: Gateway
    requestId: string
    log: LogLine
    /** Set by a streaming route: the request's log line waits until the stream has ended. */
    logAfter: Promise<void> | undefined
    deps: AppDeps
  }
}

export type App = Hono<AppEnv>

/** Paths of the OpenAI-style API, accepted with `/v1`, without it, and with a doubled `/v1/v1/`. */
const API_PATH = /^(?:\/v1)*\/(chat\/completions|images\/generations|models|status)\/?$/

/** Maps every accepted spelling of an API path to its `/v1/...` form before routing. */
function routingPath(request: Request): string {
  const url = request.url
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const query = url.indexOf('?', start)
  const path = start === -1 ? '/' : url.slice(start, query === -1 ? undefined : query)
  const api = API_PATH.exec(path)
  return api ? `/v1/${api[1]}` : path
}

/** Renders any error in OpenAI's shape; the one place errors become responses. */
export function renderError(c: Context, thrown: unknown, log: Logger = jsonLogger): Response {
  const error = toGatewayError(thrown)
  if (error.status >= 500 && !error.upstream && error.code === 'internal_error') {
    // Unknown errors: log what it was for the operator; the client gets a generic message.
    const cause = error.cause instanceof Error ? error.cause : undefined
    log({
      level: 'error',
      id: c.get('requestId'),
      message: cause?.message ?? String(error.cause),
      stack: cause?.stack,
    })
  }
  return c.json(errorBody(error), error.status as ContentfulStatusCode, errorHeaders(error))
}

/** Builds the gateway: a Web-standard Hono app that knows nothing of the runtime it runs on. */
export function createApp(deps: AppDeps): App {
  const { config } = deps
  const log = deps.log ?? jsonLogger
  const now = deps.now ?? Date.now
  const base = {
    config,
    storage: deps.storage,
    catalogue:
      deps.catalogue ??
      new Catalogue(buildProviders(config, deps.bindings ?? {}), config.defaultModel ?? undefined),
    fetch: deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
    now,
  }
  const preparePrompt = (deps.createPromptPreparer ?? createPromptPreparer)(
    base,
    deps.bindings ?? {},
  )
  const gateway: Gateway = { ...base, preparePrompt }
  const checkKey = createKeyChecker(config.clientKeys)

  const app = new Hono<AppEnv>({ getPath: routingPath })
  const { observe } = deps
  const requestLine: Logger = (line) => {
    observe?.(line)
    log(line)
  }
  app.use(requestLog(requestLine, now, { logPrompts: config.logPrompts }))
  app.use(cors(config.corsOrigins))
  app.use(async (c, next) => {
    c.set('gateway', gateway)
    c.set('deps', deps)
    await next()
  })
  app.use(
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (c) =>
        renderError(
          c,
          new GatewayError(
            413,
            'request_too_large',
            `The request body is over ${config.maxBodyBytes} bytes.`,
            {
              retryable: false,
            },
          ),
          log,
        ),
    }),
  )
  app.use('/v1/*', requireClientKey(checkKey))

  app.route('/', healthRoutes())
  app.route('/', modelsRoutes())
  app.route('/', statusRoutes())
  app.route('/', chatRoutes())
  app.route('/', imagesRoutes())
  app.route('/', storedImageRoutes())
  app.route('/', guiRoutes())
  app.route('/', openApiRoutes())
  // The direct image API answers `GET /?prompt=` and `?id=`; it hands plain `GET /` on to the page.
  app.route('/', directRoutes())
  app.route('/', pageRoutes())

  app.notFound((c) =>
    renderError(c, notFound('Unknown path. See / for what this gateway serves.'), log),
  )
  app.onError((error, c) => renderError(c, error, log))
  return app
}
