import { errors, imagesAnswer, json, KEY, ref } from './parts.ts'

/** The path items of the doors that take images: edits, variations and uploads. */

/** A body sent as OpenAI's multipart form (files) or as JSON (links), checked by one schema. */
const formOrJson = (id: string) => ({
  required: true,
  content: { 'multipart/form-data': { schema: ref(id) }, ...json(id) },
})

export const inputPaths = {
  '/v1/images/edits': {
    post: {
      summary: "OpenAI's image edits: `image` (or `image[]`), optional `mask`, and a prompt.",
      security: KEY,
      requestBody: formOrJson('EditsRequest'),
      responses: imagesAnswer('image_edit'),
    },
  },
  '/v1/images/variations': {
    post: {
      summary: 'New images in the spirit of one `image`.',
      security: KEY,
      requestBody: formOrJson('VariationsRequest'),
      responses: imagesAnswer('image_edit'),
    },
  },
  '/v1/uploads': {
    post: {
      summary: 'Keeps an input image for edits to name by `url` or `id`.',
      security: KEY,
      requestBody: formOrJson('UploadRequest'),
      responses: {
        200: { description: 'The stored image.', content: json('Upload') },
        ...errors([400, 401, 413, 429, 501]),
      },
    },
  },
}
