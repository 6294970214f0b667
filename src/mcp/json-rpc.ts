/**
 * The JSON-RPC 2.0 messages MCP is made of, as far as a stateless server needs them: reading what
 * a client posts, and the result and error objects sent back. MCP narrows JSON-RPC in one way that
 * matters here: a request id is a string or a number, never null.
 */

export type RequestId = string | number

/**
 * The protocol version a client speaks: its `MCP-Protocol-Version` header, which clients send
 * from 2025-06-18 on; without one, 2025-03-26, as the transport specifies. Versions are dates, so
 * they compare as strings.
 */
export const protocolVersionOf = (request: Request) =>
  request.headers.get('MCP-Protocol-Version') ?? '2025-03-26'

/** A request (has an id, wants an answer) or a notification (no id, gets none). */
export type RpcCall = { id?: RequestId; method: string; params: Record<string, unknown> }

/** JSON-RPC's error codes (https://www.jsonrpc.org/specification#error_object). */
export const PARSE_ERROR = -32700
export const INVALID_REQUEST = -32600
export const METHOD_NOT_FOUND = -32601
export const INVALID_PARAMS = -32602
export const INTERNAL_ERROR = -32603

/** A failure answered as a JSON-RPC error object rather than a result. */
export class RpcError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

export const rpcResult = (id: RequestId, result: unknown) => ({ jsonrpc: '2.0', id, result })

/** An error answer; `id` is null when the message it answers had no readable id. */
export const rpcError = (id: RequestId | null, code: number, message: string) => ({
  jsonrpc: '2.0',
  id,
  error: { code, message },
})

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isId = (value: unknown): value is RequestId =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))

/**
 * One posted message: a call, null for a client's response (to a request this server never
 * sends, so there is nothing to do with it), or the error object answering a message that is no
 * JSON-RPC at all.
 */
export function readMessage(value: unknown): RpcCall | null | ReturnType<typeof rpcError> {
  const id = isObject(value) && isId(value.id) ? value.id : null
  if (!isObject(value) || value.jsonrpc !== '2.0' || ('id' in value && id === null)) {
    return rpcError(id, INVALID_REQUEST, 'Not a JSON-RPC 2.0 message with a string or number id.')
  }
  if (typeof value.method !== 'string') {
    if (id !== null && ('result' in value || 'error' in value)) return null
    return rpcError(id, INVALID_REQUEST, 'The message has no method.')
  }
  if (value.params !== undefined && !isObject(value.params)) {
    return rpcError(id, INVALID_REQUEST, 'params must be an object.')
  }
  return { id: id ?? undefined, method: value.method, params: value.params ?? {} }
}
