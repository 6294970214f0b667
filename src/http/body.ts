import type { Context } from 'hono'
import { badRequest } from '../errors.ts'

/** `application/json` or any `application/*+json`, with or without parameters (`charset`). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

/**
 * Parses a JSON object body, or throws a 400 that says what is wrong with it. A body not sent
 * as JSON is refused before it is read. 400 rather than 415: OpenAI answers a body it cannot
 * read as JSON with 400 `invalid_request_error`, and the SDKs turn only 400 into the
 * BadRequestError that clients show; like any 4xx it is never retried.
 */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('Content-Type')
  if (!type || !JSON_MEDIA_TYPE.test(type)) {
    throw badRequest(
      `The request body must be JSON, sent with Content-Type: application/json (got ${type ? `"${type.slice(0, 60)}"` : 'none'}).`,
    )
  }
  let body: unknown
  try {
    body = JSON.parse(await c.req.text())
  } catch {
    throw badRequest('The request body is not valid JSON.')
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.')
  }
  return body as Record<string, unknown>
}
