import * as z from 'zod/mini'

/**
 * Image parts of a chat message: OpenAI's `{type: "image_url", image_url: {url}}`, the bare string
 * some clients send as `image_url`, and the Responses API's `{type: "input_image", image_url}`.
 * Only the last user message's parts are read (they make the request an edit), so only they are
 * validated: an odd part earlier in the history never fails a request.
 */

/** Content part types that carry an image. */
export const IMAGE_PART_TYPES = new Set(['image_url', 'input_image'])

const LINK_RULE = "must be an https URL, a data: URI or a link to this gateway's /image/{key}"

/** Plain http passes here for this gateway's own links; reading refuses it anywhere else. */
const imageLink = z
  .string({ error: LINK_RULE })
  .check(z.regex(/^(?:https?:\/\/|data:|\/image\/)/i, { error: LINK_RULE }))

/** An image part's link, whichever of the two shapes its `image_url` has. */
export const imagePartLink = z.pipe(
  z.transform((part: { image_url?: unknown }) => {
    const value = part.image_url
    return value !== null && typeof value === 'object' && 'url' in value ? value.url : value
  }),
  imageLink,
)
