import * as z from 'zod/mini'
import { uploadedFile } from './edits.ts'
import type { ImageSource } from './fields.ts'
import { parseRequest } from './request-error.ts'

/** Standard base64, whitespace allowed between the characters (line-wrapped encoders). */
const BASE64 = /^[A-Za-z0-9+/\s]+=*\s*$/

const FILE_RULE = 'must be an image file, a data: URI or base64 image bytes'

/**
 * The body of `POST /v1/uploads`: the image as a multipart `file` part, or in JSON as `file`
 * holding a data: URI or bare base64. Links are not taken: a link can go to the doors directly.
 */
export const uploadBody = z.object({
  file: z.union(
    [
      uploadedFile,
      z.pipe(
        z.string().check(
          z.trim(),
          z.refine((text) => text.startsWith('data:') || BASE64.test(text)),
        ),
        // Bare base64 as a data: URI, so one decoder (with its size cap) reads both.
        z.transform(
          (text): ImageSource => ({
            url: text.startsWith('data:') ? text : `data:;base64,${text}`,
          }),
        ),
      ),
    ],
    { error: (issue) => (issue.input === undefined ? 'is required' : FILE_RULE) },
  ),
})

/** The image to store, or a 400 naming `file`. */
export function parseUploadBody(body: unknown): ImageSource {
  return parseRequest(uploadBody, body).file
}
