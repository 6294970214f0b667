import { lastUserIndex, promptOf } from '../chat/messages.ts'
import { GatewayError } from '../errors.ts'
import { imagePartLink } from '../request/chat-image.ts'
import { promptText } from '../request/field-schemas.ts'
import { parseRequest } from '../request/request-error.ts'
import type { ResponsesRequest } from '../request/responses.ts'
import { isImageKey } from '../storage/keys.ts'

/**
 * What a Responses API request asks to draw. A string `input` is the prompt. Otherwise the last
 * user message is, as in chat (each request is a new image; history is not used), and the
 * `input_image` parts of that message are the images to edit. Each image is named by the field it
 * came from (`input.0.content.1.image_url`), for refusals of it.
 */
export type ResponsesInput = {
  /** The prompt as written, inline options included. */
  original: string
  /** The request field the prompt came from, for errors about it. */
  param: string
  images: InputImage[]
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
    part.type === 'input_image' ? [inputImage(part, `input.${index}.content.${at}`)] : [],
  )
  return { original, param: `input.${index}.content`, images }
}

/** An input image, and the field a refusal of it names. */
type InputImage = { url: string; param: string }

/**
 * An `input_image` part's image: its `image_url` (an https URL, a `data:` URI, this gateway's own
 * `/image/{key}`), or as `file_id` the id of an image uploaded to `/v1/uploads`, read from the
 * store like the link to it. `at` is the part's field.
 */
function inputImage(part: { image_url?: string; file_id?: string }, at: string): InputImage {
  if (part.image_url || !part.file_id) {
    const param = `${at}.image_url`
    return { url: parseRequest(imagePartLink, part, { name: param, param }), param }
  }
  const param = `${at}.file_id`
  if (isImageKey(part.file_id)) return { url: `/image/${part.file_id}`, param }
  throw new GatewayError(
    400,
    'invalid_image',
    'file_id names no image uploaded here: upload it to /v1/uploads first, or send image_url (a link or a data: URI).',
    { param, retryable: false },
  )
}
