import type { ServerResponse } from 'node:http'
import { type RecordedRequest, sendJson } from './server.ts'
import { readForm, type UploadedFile } from './workers-ai.ts'

/**
 * The fake ComfyUI's input folder: `POST /upload/image` as server.py's image_upload answers it
 * (multipart `image`, optional `overwrite`, `subfolder`, `type`; `{name, subfolder, type}`, a
 * name made `name (1).png` when another file holds it and overwrite is off; 400 with no body
 * without a file), and LoadImage's VALIDATE_INPUTS, which fails a prompt naming a file the folder
 * lacks.
 */

type Node = { class_type: string; inputs: Record<string, unknown> }

/** The 400 body of `POST /prompt` when one node fails validation. */
export function validationFailed(
  id: string,
  classType: string,
  error: { type: string; message: string; details: string },
) {
  return {
    error: {
      type: 'prompt_outputs_failed_validation',
      message: 'Prompt outputs failed validation',
      details: '',
      extra_info: {},
    },
    node_errors: {
      [id]: {
        errors: [{ ...error, extra_info: {} }],
        dependent_outputs: ['9'],
        class_type: classType,
      },
    },
  }
}

export function inputFolder() {
  /** Uploaded files by `subfolder/name` (or `name`). */
  const inputs = new Map<string, UploadedFile>()

  const upload = async (request: RecordedRequest, response: ServerResponse) => {
    const contentType = request.headers['content-type'] ?? ''
    const form = contentType.startsWith('multipart/form-data')
      ? await readForm(contentType, request.body)
      : new FormData()
    const image = form.get('image')
    if (!image || typeof image === 'string' || !image.name) {
      response.writeHead(400)
      return void response.end()
    }
    const bytes = new Uint8Array(await image.arrayBuffer())
    const subfolder = String(form.get('subfolder') ?? '')
    const overwrite = ['true', '1'].includes(String(form.get('overwrite')))
    const path = (name: string) => (subfolder ? `${subfolder}/${name}` : name)
    let name = image.name
    const dot = name.lastIndexOf('.')
    for (let i = 1; !overwrite && inputs.has(path(name)); i++) {
      if (Buffer.from(inputs.get(path(name))!.bytes).equals(bytes)) break
      name = `${image.name.slice(0, dot)} (${i})${image.name.slice(dot)}`
    }
    inputs.set(path(name), { name, type: image.type, bytes })
    sendJson(response, 200, { name, subfolder, type: String(form.get('type') ?? 'input') })
  }

  /** The validation failure of the first LoadImage (or LoadImageMask) whose file is missing. */
  const missingInput = (graph: Record<string, Node>) => {
    const [id, node] =
      Object.entries(graph).find(
        ([, node]) =>
          /^LoadImage(Mask)?$/.test(node.class_type) && !inputs.has(String(node.inputs.image)),
      ) ?? []
    if (!id || !node) return null
    return validationFailed(id, node.class_type, {
      type: 'custom_validation_failed',
      message: 'Custom validation failed for node',
      details: `image - Invalid image file: ${String(node.inputs.image)}`,
    })
  }

  return { inputs, upload, missingInput }
}
