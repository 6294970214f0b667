import { lastUserIndex, promptOf } from '../chat/messages.ts'
import { badRequest, GatewayError } from '../errors.ts'
import { promptText } from '../request/field-schemas.ts'
import type { ImageSource } from '../request/fields.ts'
import { parseRequest } from '../request/request-error.ts'
import type { ResponsesRequest } from '../request/responses.ts'

/**
 * What a Responses API request asks to draw. A string `input` is the prompt. Otherwise the last
 * user message is, as in chat (each request is a new image; history is not used), and the
 * `input_image` parts of that message are the images to edit.
 */
export type ResponsesInput = {
  /** The prompt as written, inline options included. */
  original: string
  /** The request field the prompt came from, for errors about it. */
  param: string
  images: ImageSource[]
}

export function readResponsesInput(input: ResponsesRequest['input']): ResponsesInput {
  if (typeof input === 'string') {
    // The same length rule, code and wording as the prompt field of the other doors.
    return {
      original: parseRequest(promptText, input, { param: 'input' }),
      param: 'input',
      images: [],
    }
  }
  const original = promptOf(input, 'input')
  const index = lastUserIndex(input)
  const content = input[index]!.content
  const parts = Array.isArray(content) ? content : []
  const images = parts.flatMap((part, at) =>
    part.type === 'input_image' ? [imageSource(part, `input.${index}.content.${at}`)] : [],
  )
  return { original, param: `input.${index}.content`, images }
}

/** A link (an https URL, a `data:` URI, this gateway's own `/image/{key}`); uploads are none. */
function imageSource(
  part: { image_url?: string | null; file_id?: string | null },
  param: string,
): ImageSource {
  if (part.image_url) return { url: part.image_url }
  if (part.file_id) {
    throw new GatewayError(
      400,
      'unsupported_parameter',
      'This gateway takes no file uploads, so file_id names no file; send the image as image_url (a link or a data: URI).',
      { param: `${param}.file_id`, retryable: false },
    )
  }
  throw badRequest('An input image needs image_url: a link or a data: URI.', `${param}.image_url`)
}
