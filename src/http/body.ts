import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { badRequest, GatewayError } from '../errors.ts'
import type { AppEnv } from '../services.ts'
import { errorResponse } from './error-response.ts'

/** `application/json` or any `application/*+json`, with or without parameters (`charset`). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

/** Whether a Content-Type names JSON. */
export const isJsonBody = (type: string | undefined) =>
  type !== undefined && JSON_MEDIA_TYPE.test(type)

/**
 * A request body that stopped arriving: the only way reading it fails is the client's
 * connection closing (or breaking) mid-body. nginx's 499: the client's doing, so it is neither
 * logged with a stack nor counted as a server error, and nobody is left to read the answer.
 */
export const clientClosed = (cause: unknown) =>
  new GatewayError(499, 'client_closed', 'The client closed the connection mid-request.', {
    cause,
    retryable: false,
  })

/**
 * Hono's body limit, with a 413 in OpenAI's shape: `maxBytes` everywhere, or the larger limit
 * `byPath` names for a routing path (the doors that take images). A body whose length is declared
 * is judged by its Content-Length alone and a GET or HEAD has none, so neither touches `raw.body`:
 * on Node that property alone turns the adapter's light request into a full one (streams, signal,
 * header copies). A body sent without Content-Length (chunked) is read by hono/body-limit, to
 * count its bytes, so a client leaving mid-body surfaces here too; a failure of the handlers after
 * it is theirs, not the body's, and passes through untouched.
 */
export function limitBody(
  maxBytes: number,
  byPath: Record<string, number> = {},
): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Context, max: number) =>
    errorResponse(
      c,
      new GatewayError(413, 'request_too_large', `The request body is over ${max} bytes.`, {
        retryable: false,
      }),
    )
  const limiter = (max: number) => bodyLimit({ maxSize: max, onError: (c) => tooLarge(c, max) })
  const maxima = new Map(Object.entries(byPath))
  const limits = new Map(Object.entries(byPath).map(([path, max]) => [path, limiter(max)]))
  const limit = limiter(maxBytes)
  // Not async: edge.ts calls it for every request, and a GET's path through it is two header reads.
  return (c, next) => {
    const declared = c.req.header('Content-Length')
    if (declared !== undefined && c.req.header('Transfer-Encoding') === undefined) {
      const max = maxima.get(c.req.path) ?? maxBytes
      return Number.parseInt(declared, 10) > max ? Promise.resolve(tooLarge(c, max)) : next()
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    let bodyRead = false
    const failed = (error: unknown) => {
      throw bodyRead ? error : clientClosed(error)
    }
    try {
      return (limits.get(c.req.path) ?? limit)(c, () => {
        bodyRead = true
        return next()
      }).catch(failed)
    } catch (error) {
      return failed(error)
    }
  }
}

/** The body as text; a client that leaves mid-body is a 499, not a server error. */
export async function readBodyText(c: Context): Promise<string> {
  try {
    return await c.req.text()
  } catch (error) {
    throw clientClosed(error)
  }
}

/**
 * Parses a JSON object body, or throws a 400 that says what is wrong with it. A body not sent
 * as JSON is refused before it is read. 400 rather than 415: OpenAI answers a body it cannot
 * read as JSON with 400 `invalid_request_error`, and the SDKs turn only 400 into the
 * BadRequestError that clients show; like any 4xx it is never retried.
 */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('Content-Type')
  if (!isJsonBody(type)) {
    throw badRequest(
      `The request body must be JSON, sent with Content-Type: application/json (got ${type ? `"${type.slice(0, 60)}"` : 'none'}).`,
    )
  }
  let body: unknown
  try {
    body = JSON.parse(await readBodyText(c))
  } catch (error) {
    if (error instanceof GatewayError) throw error
    throw badRequest('The request body is not valid JSON.')
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.')
  }
  return body as Record<string, unknown>
}
