import type { Context } from 'hono'
import { badRequest } from '../errors.ts'
import { clientClosed, isJsonBody, readJsonObject } from './body.ts'

/** Multipart (what OpenAI's SDKs send for files) or URL-encoded, as a browser form posts. */
const FORM_MEDIA_TYPE = /^(?:multipart\/form-data|application\/x-www-form-urlencoded)\s*(?:;|$)/i

/** Form fields whose file parts are read as bytes; a file under any other name is left unread. */
const FILE_FIELDS = new Set(['image', 'image[]', 'mask', 'file'])

/**
 * Reads a body sent as a form or as JSON into one plain object, so one schema checks both. In a
 * form, file parts become `{bytes, filename}`, `image[]` (how the SDKs send several images)
 * joins `image`, a repeated field becomes a list, and an empty field is dropped: forms send
 * fields left blank, which means "not given" (an empty prompt is still refused as one).
 */
export async function readFormOrJson(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('Content-Type') ?? ''
  if (isJsonBody(type)) return readJsonObject(c)
  if (!FORM_MEDIA_TYPE.test(type)) {
    throw badRequest(
      `The request body must be multipart/form-data or JSON (got ${type ? `"${type.slice(0, 60)}"` : 'no Content-Type'}).`,
    )
  }
  try {
    // Read whole first: only the connection can fail here; only the form's syntax below.
    await c.req.arrayBuffer()
  } catch (error) {
    throw clientClosed(error)
  }
  let form: FormData
  try {
    form = await c.req.formData()
  } catch {
    throw badRequest(
      'The form could not be read: its Content-Type has no boundary, or the body is cut short or malformed.',
    )
  }
  const fields: Record<string, unknown[]> = {}
  for (const [name, value] of form) {
    // A browser sends a file input left empty as a nameless, empty file.
    const blank = typeof value === 'string' ? value === '' : !value.name && value.size === 0
    if (blank && name !== 'prompt') continue
    const field = name === 'image[]' ? 'image' : name
    const read =
      typeof value !== 'string' && FILE_FIELDS.has(name)
        ? { bytes: new Uint8Array(await value.arrayBuffer()), filename: value.name }
        : value
    fields[field] = [...(fields[field] ?? []), read]
  }
  return Object.fromEntries(
    Object.entries(fields).map(([name, values]) => [
      name,
      values.length === 1 ? values[0] : values,
    ]),
  )
}
