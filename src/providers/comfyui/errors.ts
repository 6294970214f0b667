import * as z from 'zod/mini'
import type { GatewayError } from '../../errors.ts'
import { upstreamError } from '../http.ts'
import { type ErrorRules, errorFromReply, quote, readErrorBody } from '../upstream-errors.ts'

/**
 * ComfyUI's failures. `POST /prompt` answers 400 `{error, node_errors}` when validation fails
 * (`error` is a string on old servers, `{type, message, details, extra_info}` on newer ones;
 * `node_errors` is `{<node id>: {errors: [{message, details}], class_type}}`). A run that fails
 * later shows in /history as `status.status_str: "error"` with an `execution_error` message
 * naming the node and the exception. ComfyUI has no keys; a 401/403 comes from a proxy.
 */

const text = z.optional(z.string())
const validationError = z.object({
  error: z.optional(z.union([z.string(), z.looseObject({ message: text })])),
  node_errors: z.optional(
    z.union([
      z.record(
        z.string(),
        z.looseObject({
          class_type: text,
          errors: z.optional(z.array(z.looseObject({ message: text, details: text }))),
        }),
      ),
      z.array(z.unknown()),
    ]),
  ),
})

const executionError = z.looseObject({
  node_id: z.optional(z.union([z.string(), z.number()])),
  node_type: text,
  exception_message: text,
})

/** The `status` of a /history entry, as far as errors go. */
export type RunStatus = { status_str?: string; messages?: [string, unknown][] } | undefined

const COMFY_RULES: ErrorRules = {
  // Not the client's fault: the base URL does not point at ComfyUI's API.
  notFound: 'check baseUrl',
  read: (text) => {
    const detail = validationDetail(text)
    return detail ? { message: detail, codes: [] } : readErrorBody(text)
  },
  // Node errors name the node and the input at fault: worth a longer line.
  quoteLength: 300,
}

/** A non-2xx reply; `doing` says which step failed, e.g. "queueing the prompt". */
export function comfyReplyError(
  provider: string,
  response: Response,
  text: string,
  doing: string,
  key: string | null = null,
): GatewayError {
  return errorFromReply({ provider, secrets: [key], doing }, response, text, COMFY_RULES)
}

/** A run that ended in error: the failing node and ComfyUI's exception message. */
export function comfyRunError(provider: string, status: RunStatus): GatewayError {
  const messages = status?.messages ?? []
  if (messages.some(([event]) => event === 'execution_interrupted')) {
    return upstreamError(provider, 'server', 'the prompt was interrupted on the ComfyUI server')
  }
  const found = messages.find(([event]) => event === 'execution_error')
  const parsed = executionError.safeParse(found?.[1])
  const data = parsed.success ? parsed.data : {}
  const type = data.node_type ? ` (${data.node_type})` : ''
  const node = data.node_id === undefined ? '' : ` in node ${data.node_id}${type}`
  const reason = data.exception_message ? `: ${data.exception_message}` : ''
  return upstreamError(provider, 'server', quote(`the workflow failed${node}${reason}`, [], 300))
}

/** "<general error>; node 6 (CLIPTextEncode): <reason>; ..." or nothing. */
function validationDetail(text: string): string {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return ''
  }
  const parsed = validationError.safeParse(body)
  if (!parsed.success) return ''
  const { error, node_errors: nodeErrors } = parsed.data
  const general = typeof error === 'string' ? error : error?.message
  const nodes = Array.isArray(nodeErrors)
    ? []
    : Object.entries(nodeErrors ?? {}).map(([id, node]) => {
        const reasons = (node.errors ?? [])
          .map((reason) => [reason.message, reason.details].filter(Boolean).join(': '))
          .join('; ')
        const type = node.class_type ? ` (${node.class_type})` : ''
        return `node ${id}${type}: ${reasons || 'invalid'}`
      })
  const parts = [general, ...nodes].filter(Boolean)
  return parts.join('; ')
}
