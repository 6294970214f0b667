import type { Context } from 'hono'
import { badRequest } from '../errors.ts'
import { clientClosed, isJsonBody, readJsonObject } from './body.ts'

/** Multipart (what OpenAI's SDKs send for files) or URL-encoded, as a browser form posts. */
const FORM_MEDIA_TYPE = /^(?:multipart\/form-data|application\/x-www-form-urlencoded)\s*(?:;|$)/i

/** Form fields whose file parts are read as bytes; a file under any other name is left unread. */
const FILE_FIELDS = new Set(['image', 'image[]', 'mask', 'file'])

/** One entry of a form as a runtime's own reader gives it: a text field, or a file's bytes. */
export type FormPart =
  | { name: string; value: string }
  | { name: string; file: { filename: string; bytes: Uint8Array } }

/**
 * Where a runtime may put its own reader of a multipart body on the Request (Node does:
 * runtime/node-request.ts), one that reads the form by the platform's rules without the web
 * streams and Blob copies of `formData()`. It resolves with the parts, with null when the form
 * is malformed, or with undefined when it leaves this body to `formData()`; it rejects only
 * when the connection fails. Without one (Workers), `formData()` reads the form.
 */
export const READ_FORM_PARTS = Symbol.for('fluxgate.readFormParts')
export type FormPartsReader = (contentType: string) => Promise<FormPart[] | null | undefined>

/** A form's entry as the loop below takes it, whichever reader read it. */
type Entry = [name: string, value: string | File | { filename: string; bytes: Uint8Array }]

const FORM_ERROR =
  'The form could not be read: its Content-Type has no boundary, or the body is cut short or malformed.'

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
  const entries = (await runtimeFormEntries(c, type)) ?? (await platformFormEntries(c))
  const fields: Record<string, unknown[]> = {}
  for (const [name, value] of entries) {
    // A browser sends a file input left empty as a nameless, empty file.
    const blank =
      typeof value === 'string'
        ? value === ''
        : value instanceof File
          ? !value.name && value.size === 0
          : !value.filename && value.bytes.byteLength === 0
    if (blank && name !== 'prompt') continue
    const field = name === 'image[]' ? 'image' : name
    let read: unknown = value
    if (typeof value !== 'string' && FILE_FIELDS.has(name)) {
      read =
        value instanceof File
          ? { bytes: new Uint8Array(await value.arrayBuffer()), filename: value.name }
          : { bytes: value.bytes, filename: value.filename }
    } else if (typeof value !== 'string' && !(value instanceof File)) {
      // A file under another name: the File the platform's form held, so the schema answers as before.
      read = new File([value.bytes as Uint8Array<ArrayBuffer>], value.filename, {
        type: 'text/plain',
      })
    }
    fields[field] = [...(fields[field] ?? []), read]
  }
  return Object.fromEntries(
    Object.entries(fields).map(([name, values]) => [
      name,
      values.length === 1 ? values[0] : values,
    ]),
  )
}

/** The form as the runtime's own reader reads it, or undefined when there is none or it declines. */
async function runtimeFormEntries(c: Context, type: string): Promise<Entry[] | undefined> {
  const reader = (c.req.raw as { [READ_FORM_PARTS]?: FormPartsReader })[READ_FORM_PARTS]
  if (!reader) return undefined
  let parts: FormPart[] | null | undefined
  try {
    parts = await reader(type)
  } catch (error) {
    throw clientClosed(error)
  }
  if (parts === null) throw badRequest(FORM_ERROR)
  return parts?.map((part) => [part.name, 'file' in part ? part.file : part.value])
}

async function platformFormEntries(c: Context): Promise<Iterable<Entry>> {
  try {
    // Read whole first: only the connection can fail here; only the form's syntax below.
    await c.req.arrayBuffer()
  } catch (error) {
    throw clientClosed(error)
  }
  try {
    return await c.req.formData()
  } catch {
    throw badRequest(FORM_ERROR)
  }
}
