import type { ErrorHandler } from 'hono'
import { Hono } from 'hono/tiny'
import { notFound } from './errors.ts'
import { limitBody } from './http/body.ts'
import { errorResponse } from './http/error-response.ts'
import { requireClientKey } from './middleware/auth.ts'
import { corsEdge } from './middleware/cors.ts'
import { edge } from './middleware/edge.ts'
import { idempotency } from './middleware/idempotency.ts'
import { requestLogger } from './middleware/request-log.ts'
import { MAX_INPUT_IMAGE_BYTES } from './request/fields.ts'
import { chatRoutes } from './routes/chat.ts'
import { directRoutes } from './routes/direct.ts'
import { guiRoutes } from './routes/gui.ts'
import { healthRoutes } from './routes/health.ts'
import { imagesRoutes } from './routes/images.ts'
import { mcpRoutes } from './routes/mcp.ts'
import { modelsRoutes } from './routes/models.ts'
import { openApiRoutes } from './routes/openapi.ts'
import { pageRoutes } from './routes/pages.ts'
import { pollinationsRoutes } from './routes/pollinations.ts'
import { responsesRoutes } from './routes/responses.ts'
import { statusRoutes } from './routes/status.ts'
import { storedImageRoutes } from './routes/stored-image.ts'
import { uploadRoutes } from './routes/uploads.ts'
import { type AppDeps, type AppEnv, buildServices } from './services.ts'

export type { AppDeps, AppEnv } from './services.ts'

export type App = Hono<AppEnv>

/** Paths of the OpenAI-style API, accepted with `/v1`, without it, and with a doubled `/v1/v1/`. */
const API_PATH =
  /^(?:\/v1)*\/(chat\/completions|images\/(?:generations|edits|variations)|responses|uploads|models(?:\/.+?)?|status)\/?$/

/**
 * Maps every accepted spelling of an API path to its `/v1/...` form before routing. A bare
 * `/models` without a key is Pollinations' model list: OpenAI clients always send a key (their
 * SDKs require one), while Pollinations' list is fetched anonymously.
 */
function routingPath(request: Request): string {
  const url = request.url
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const query = url.indexOf('?', start)
  const path = start === -1 ? '/' : url.slice(start, query === -1 ? undefined : query)
  const api = API_PATH.exec(path)
  if (path === '/models' && !request.headers.has('Authorization')) return path
  return api ? `/v1/${api[1]}` : path
}

/**
 * The body limit of a door that takes `files` images: each up to MAX_INPUT_IMAGE_BYTES, with
 * room for base64 (a data URI in JSON is 4/3 of its bytes), plus the usual limit for the rest.
 */
const imageBodyBytes = (files: number, otherBytes: number) =>
  Math.ceil((files * MAX_INPUT_IMAGE_BYTES * 4) / 3) + otherBytes

/**
 * An edit's images together: room for three full-size ones (about 80 MiB). Sixteen of them at
 * 20 MiB would let one request hold 450 MiB of a Node process's memory while the form is parsed;
 * references are rarely that large, and a client with big ones can upload them first.
 */
const EDIT_IMAGES_BODY = 3

/** Headers a browser page may read from a response. */
const EXPOSED_HEADERS = ['x-request-id', 'Retry-After', 'X-Error-Code', 'x-should-retry', 'X-Cache']

/** Builds the gateway: a Web-standard Hono app that knows nothing of the runtime it runs on. */
export function createApp(deps: AppDeps): App {
  const services = buildServices(deps)
  const { config, log, now } = services
  const { observe } = deps

  const app = new Hono<AppEnv>({ getPath: routingPath })
  const onError: ErrorHandler<AppEnv> = (error, c) => errorResponse(c, error)
  app.use(
    edge({
      services,
      log: requestLogger(
        (line) => {
          observe?.(line)
          log(line)
        },
        now,
        { logPrompts: config.logPrompts },
      ),
      cors: corsEdge({
        origins: config.corsOrigins,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        exposeHeaders: EXPOSED_HEADERS,
        maxAgeSeconds: 86400,
      }),
      limitBody: limitBody(config.maxBodyBytes, {
        // The images and a mask.
        '/v1/images/edits': imageBodyBytes(EDIT_IMAGES_BODY, config.maxBodyBytes),
        '/v1/images/variations': imageBodyBytes(1, config.maxBodyBytes),
        '/v1/uploads': imageBodyBytes(1, config.maxBodyBytes),
        // edit_image's images, when a client sends one as a data: URI rather than a link.
        '/mcp': imageBodyBytes(1, config.maxBodyBytes),
        // An input_image as a data: URI, as the AI SDK sends a file.
        '/v1/responses': imageBodyBytes(1, config.maxBodyBytes),
      }),
      onError,
    }),
  )
  app.use('/v1/*', requireClientKey)
  // Every POST that can start a paid generation; a retry with the same Idempotency-Key never does.
  app.on(
    'POST',
    [
      '/v1/chat/completions',
      '/v1/images/generations',
      '/v1/images/edits',
      '/v1/images/variations',
      '/v1/responses',
    ],
    idempotency(),
  )

  app.route('/', healthRoutes())
  app.route('/', modelsRoutes())
  app.route('/', statusRoutes())
  app.route('/', chatRoutes())
  app.route('/', imagesRoutes())
  app.route('/', responsesRoutes())
  app.route('/', mcpRoutes())
  app.route('/', uploadRoutes())
  app.route('/', storedImageRoutes())
  app.route('/', guiRoutes())
  app.route('/', openApiRoutes())
  // The direct image API answers `GET /?prompt=` and `?id=`; it hands plain `GET /` on to the page.
  app.route('/', directRoutes())
  app.route('/', pollinationsRoutes())
  app.route('/', pageRoutes())

  app.notFound((c) =>
    errorResponse(c, notFound('Unknown path. See / for what this gateway serves.')),
  )
  app.onError(onError)
  return app
}
