import { requestId } from 'hono/request-id'
import { Hono } from 'hono/tiny'
import { notFound } from './errors.ts'
import { limitBody } from './http/body.ts'
import { errorResponse } from './http/error-response.ts'
import { requireClientKey } from './middleware/auth.ts'
import { cors } from './middleware/cors.ts'
import { idempotency } from './middleware/idempotency.ts'
import { requestLog } from './middleware/request-log.ts'
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
import { type AppDeps, type AppEnv, buildServices } from './services.ts'

export type { AppDeps, AppEnv } from './services.ts'

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

/** Headers a browser page may read from a response. */
const EXPOSED_HEADERS = ['x-request-id', 'Retry-After', 'X-Error-Code', 'x-should-retry']

/** Builds the gateway: a Web-standard Hono app that knows nothing of the runtime it runs on. */
export function createApp(deps: AppDeps): App {
  const services = buildServices(deps)
  const { config, log, now } = services
  const { observe } = deps

  const app = new Hono<AppEnv>({ getPath: routingPath })
  app.use(async (c, next) => {
    c.set('services', services)
    await next()
  })
  // A proxy's well-formed X-Request-Id is kept, so its logs and ours name requests alike.
  app.use(requestId({ limitLength: 64 }))
  app.use(
    requestLog(
      (line) => {
        observe?.(line)
        log(line)
      },
      now,
      { logPrompts: config.logPrompts },
    ),
  )
  // On every response, errors and 404s included, and preflights answered before auth.
  app.use(
    cors({
      origins: config.corsOrigins,
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      exposeHeaders: EXPOSED_HEADERS,
      maxAgeSeconds: 86400,
    }),
  )
  app.use(limitBody(config.maxBodyBytes))
  app.use('/v1/*', requireClientKey)
  // Every POST that can start a paid generation; a retry with the same Idempotency-Key never does.
  app.on('POST', ['/v1/chat/completions', '/v1/images/generations'], idempotency())

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
    errorResponse(c, notFound('Unknown path. See / for what this gateway serves.')),
  )
  app.onError((error, c) => errorResponse(c, error))
  return app
}
