import type { Context } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { GenerationResult } from '../generate/index.ts'
import type { AppEnv } from '../services.ts'

/** Any line a logger prints: request lines, and the `level`/`message` lines of warnings and errors. */
export type LogLine = Record<string, unknown>
export type Logger = (line: LogLine) => void

/** One JSON line per request on stdout; the default logger. */
export const jsonLogger: Logger = (line) => console.log(JSON.stringify(line))

/** What routes add to their request's line, through addLogFields. */
export type RequestLogFields = {
  /** The public model id asked for, after defaults. */
  model?: string
  provider?: string
  /** Upstream attempts the generation took. */
  attempts?: number
  /** True when a seeded request was answered from the store, without an upstream call. */
  cached?: boolean
  /** The error code the client got, whatever the body it got it in (JSON, image, chat text). */
  errorCode?: string
  /** How a URL door (direct, Pollinations) answered: a stored image by id, a new one, or a HEAD. */
  direct?: 'stored' | 'generated' | 'head'
  /** The chat housekeeping request answered without an image (title, tags, ...). */
  housekeeping?: string
  /** What a person typed: kept only with LOG_PROMPTS=true. */
  prompt?: string
  finalPrompt?: string
  negativePrompt?: string
}

/** The line logged when a request ends. */
export type RequestLogLine = RequestLogFields & {
  time: string
  id: string
  method: string
  /** The route pattern that answered (`/image/:key`); null when none did (404, preflight). */
  route: string | null
  /**
   * The path only: query strings may carry `key=`. A prompt in the path (`/prompt/{prompt}`) is a
   * prompt field: the pattern stands in for the path unless LOG_PROMPTS=true.
   */
  path: string
  status: number
  ms: number
}

const PROMPT_FIELDS = ['prompt', 'finalPrompt', 'negativePrompt'] as const

/** Adds fields to the request's log line; the one way routes write to it. */
export function addLogFields(c: Context<AppEnv>, fields: RequestLogFields): void {
  c.set('log', { ...c.get('log'), ...fields })
}

/**
 * Makes the request's line wait for a stream the route is about to answer with, so it carries
 * the stream's outcome and full duration. Returns what to call when the stream has ended.
 */
export function logAfterStream(c: Context<AppEnv>): () => void {
  let release = () => {}
  c.set('logAfter', new Promise<void>((resolve) => (release = resolve)))
  return () => release()
}

/** The fields of a finished generation, as every route logs them. */
export function generationLogFields(
  result: Pick<GenerationResult, 'model' | 'provider' | 'attempts' | 'cached'>,
): RequestLogFields {
  const { model, provider, attempts } = result
  return { model, provider, attempts, cached: result.cached ?? false }
}

export type RequestLogOptions = {
  /** LOG_PROMPTS: keep the prompt fields routes add. Default false. */
  logPrompts?: boolean
}

/**
 * The route pattern that answered, or null when none did.
 * `app.use` middleware is registered for every method; routes name theirs.
 */
function answeringRoute(c: Context): string | null {
  const route = matchedRoutes(c).findLast((route) => route.method !== 'ALL')
  return route?.path ?? null
}

/** Starts a request's line and writes it when the request ends; edge.ts calls both. */
export type RequestLogger = {
  /** Opens the request's fields (addLogFields) and returns when it started. */
  start(c: Context<AppEnv>): number
  /**
   * Writes the line now, or when a stream the route answered with ends (see the `logAfter`
   * variable). `status` when the response is not yet `c.res` (a preflight), else `c.res`'s.
   */
  end(c: Context<AppEnv>, started: number, status?: number): void
}

/**
 * One line per request, under the request id edge.ts set (a proxy's, or a new one). Headers are
 * never logged. Routes add fields with addLogFields; they cannot overwrite the id, status or
 * timing, and their prompt fields are dropped unless `logPrompts` is set.
 */
export function requestLogger(
  log: (line: RequestLogLine) => void,
  now: () => number,
  options: RequestLogOptions = {},
): RequestLogger {
  const write = (c: Context<AppEnv>, started: number, status: number | undefined) => {
    const route = answeringRoute(c)
    const line: RequestLogLine = {
      ...c.get('log'),
      time: new Date(started).toISOString(),
      id: c.get('requestId'),
      method: c.req.method,
      route,
      path: !options.logPrompts && route?.includes(':prompt') ? route : c.req.path,
      status: status ?? c.res.status,
      ms: now() - started,
    }
    // Deleted from the line rather than from a copy of the fields first: the same keys in the
    // same order, one object fewer.
    if (!options.logPrompts)
      for (const field of PROMPT_FIELDS) if (field in line) delete line[field]
    log(line)
  }
  return {
    start(c) {
      const started = now()
      c.set('log', {})
      return started
    },
    end(c, started, status) {
      // A stream's outcome (provider, attempts, error) and duration are known only at its end;
      // the response goes out now and the line follows.
      const after = c.get('logAfter')
      if (after) void after.then(() => write(c, started, status))
      else write(c, started, status)
    },
  }
}
