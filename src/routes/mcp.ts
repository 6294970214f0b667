import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { isJsonBody, readBodyText } from '../http/body.ts'
import { recordError } from '../http/error-response.ts'
import { eventResponse } from '../http/event-response.ts'
import { messageEvents } from '../mcp/event-stream.ts'
import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  protocolVersionOf,
  type RequestId,
  type RpcCall,
  RpcError,
  readMessage,
  rpcError,
  rpcResult,
} from '../mcp/json-rpc.ts'
import { callTool, toolDefinitions } from '../mcp/tools.ts'
import { bearerKey, unauthorized } from '../middleware/auth.ts'
import type { AppEnv } from '../services.ts'

/**
 * `POST /mcp`: the gateway's image generation as tools for agents, over MCP's Streamable HTTP
 * transport, stateless. Each POST carries one JSON-RPC message (or, in protocol versions before
 * 2025-06-18, a batch) and is answered on its own: JSON, or an event stream when the client sent
 * a progress token and accepts one, so progress notifications can go out while an image is drawn.
 * No session id is handed out, and there is no server-initiated stream to GET.
 */

/** The protocol versions spoken, newest first; `initialize` answers the newest unless asked for another. */
export const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']

const INSTRUCTIONS =
  'Image generation: generate_image draws a prompt, edit_image changes an image by a prompt; both return links. list_models names the models.'

type RpcRequest = RpcCall & { id: RequestId }
type Send = (message: unknown) => void

/** The request's `_meta.progressToken`, when it has a usable one. */
function progressToken(request: RpcRequest): RequestId | undefined {
  const token = (request.params._meta as { progressToken?: unknown } | undefined)?.progressToken
  return typeof token === 'string' || typeof token === 'number' ? token : undefined
}

/** The progress sink of one request, when its client sent a token and reads an event stream. */
function progressOf(request: RpcRequest, send: Send | undefined) {
  const token = progressToken(request)
  if (!send || token === undefined) return undefined
  let progress = 0
  return (message: string) =>
    send({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: token, progress: ++progress, message },
    })
}

/** The result of one request; throws RpcError for what JSON-RPC answers with an error. */
function run(c: Context<AppEnv>, request: RpcRequest, signal: AbortSignal, send?: Send) {
  const { method, params } = request
  if (method === 'tools/call')
    return callTool({ c, signal, progress: progressOf(request, send) }, params)
  if (method === 'tools/list') return { tools: toolDefinitions() }
  if (method === 'ping') return {}
  if (method === 'initialize') {
    const asked = params.protocolVersion as string
    return {
      // Version negotiation: the client's version when spoken here, else the newest.
      protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
      capabilities: { tools: { listChanged: false } },
      serverInfo: { name: 'fluxgate', version: '1' },
      instructions: INSTRUCTIONS,
    }
  }
  throw new RpcError(METHOD_NOT_FOUND, `Method not found: ${method.slice(0, 100)}`)
}

/** One request's answer, never a rejection: an unexpected failure is logged and is -32603. */
async function answer(c: Context<AppEnv>, request: RpcRequest, signal: AbortSignal, send?: Send) {
  try {
    return rpcResult(request.id, await run(c, request, signal, send))
  } catch (error) {
    if (error instanceof RpcError) return rpcError(request.id, error.code, error.message)
    return rpcError(request.id, INTERNAL_ERROR, recordError(c, error).message)
  }
}

/** A refusal of the whole POST, as an HTTP status with a JSON-RPC error that answers no id. */
const refuse = (c: Context, status: ContentfulStatusCode, code: number, message: string) =>
  c.json(rpcError(null, code, message), status)

export function mcpRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()

  // The transport's answer when there is no server-initiated stream. DELETE ends a session, and
  // no session is ever handed out, so no client sends one.
  routes.get('/mcp', (c) => {
    c.header('Allow', 'POST')
    return refuse(c, 405, INVALID_REQUEST, 'This MCP server is stateless: POST only.')
  })

  routes.post('/mcp', async (c) => {
    const { config, checkKey } = c.get('services')
    // DNS rebinding: a page must not reach a gateway on the visitor's network. Any origin the
    // operator's CORS_ORIGINS allows may call, as it may call every other route.
    const origin = c.req.header('Origin')
    if (origin && !config.corsOrigins.includes('*') && !config.corsOrigins.includes(origin)) {
      return refuse(c, 403, INVALID_REQUEST, 'This origin is not allowed (CORS_ORIGINS).')
    }
    // `?key=` for clients that cannot set headers; the request log never records the query.
    if (!(await checkKey(bearerKey(c.req.header('Authorization')) ?? c.req.query('key')))) {
      throw unauthorized()
    }
    const version = protocolVersionOf(c.req.raw)
    if (!PROTOCOL_VERSIONS.includes(version)) {
      return refuse(
        c,
        400,
        INVALID_REQUEST,
        `Unsupported MCP-Protocol-Version: ${version.slice(0, 40)}`,
      )
    }
    if (!isJsonBody(c.req.header('Content-Type'))) {
      return refuse(c, 415, INVALID_REQUEST, 'Send JSON-RPC with Content-Type: application/json.')
    }
    const text = await readBodyText(c)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return refuse(c, 400, PARSE_ERROR, 'The body is not valid JSON.')
    }
    const batch = Array.isArray(body) ? (body as unknown[]) : null
    // Batches were dropped from the protocol in 2025-06-18.
    if (batch && (batch.length === 0 || version >= '2025-06-18')) {
      return refuse(c, 400, INVALID_REQUEST, 'Send one JSON-RPC message, not a batch.')
    }
    const messages = (batch ?? [body]).map(readMessage)
    if (!batch && messages[0] && !('method' in messages[0])) {
      return c.json(messages[0], 400)
    }
    const requests = messages.filter(
      (message): message is RpcRequest =>
        message !== null && 'method' in message && message.id !== undefined,
    )
    const refused = messages.filter((message) => message !== null && !('method' in message))
    // Notifications and responses only: accepted, nothing to say.
    if (requests.length === 0 && refused.length === 0) return c.body(null, 202)

    const accept = c.req.header('Accept') ?? ''
    const wantsProgress = requests.some((request) => progressToken(request) !== undefined)
    const streamed =
      accept.includes('text/event-stream') &&
      (wantsProgress || !accept.includes('application/json'))
    if (!streamed) {
      const signal = c.req.raw.signal
      const answers = [
        ...refused,
        ...(await Promise.all(requests.map((r) => answer(c, r, signal)))),
      ]
      return c.json(batch ? answers : answers[0])
    }

    // The request log line waits for the stream, so it carries the outcome and full duration.
    let closeLog = () => {}
    c.set('logAfter', new Promise<void>((resolve) => (closeLog = resolve)))
    const events = messageEvents(
      { signal: c.req.raw.signal, onClose: () => closeLog() },
      async (send, signal) => {
        for (const message of refused) send(message)
        await Promise.all(
          requests.map(async (request) => send(await answer(c, request, signal, send))),
        )
      },
    )
    return eventResponse(events, c.get('services').eventResponse)
  })
  return routes
}
