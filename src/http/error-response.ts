import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { errorBody, errorHeaders, type GatewayError, toGatewayError } from '../errors.ts'
import { addLogFields } from '../middleware/request-log.ts'
import type { AppEnv } from '../services.ts'

/**
 * What every failed request goes through, whatever body it then answers with (OpenAI's JSON,
 * the direct API's error image, the text of a chat stream): anything thrown becomes a
 * GatewayError, its code goes on the request's log line, and an unexpected one is logged with
 * the request id, so the operator learns what broke while the client gets a generic message.
 */
export function recordError(c: Context<AppEnv>, thrown: unknown): GatewayError {
  const error = toGatewayError(thrown)
  addLogFields(c, { errorCode: error.code })
  if (error.status >= 500 && !error.upstream && error.code === 'internal_error') {
    const cause = error.cause instanceof Error ? error.cause : undefined
    c.get('services').log({
      level: 'error',
      id: c.get('requestId'),
      message: cause?.message ?? String(error.cause),
      stack: cause?.stack,
    })
  }
  return error
}

/** The error in OpenAI's shape, with its retry headers; the one JSON error response. */
export function errorResponse(c: Context<AppEnv>, thrown: unknown): Response {
  const error = recordError(c, thrown)
  return c.json(errorBody(error), error.status as ContentfulStatusCode, errorHeaders(error))
}
