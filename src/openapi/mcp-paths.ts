import { errors, KEY, OPEN } from './parts.ts'

/**
 * The path item of the MCP door. Its tools' schemas are components of the document
 * (`McpGenerateImage`, `McpEditImage`, `McpImages`, `McpModels`), which `tools/list` publishes.
 */
export const mcpPaths = {
  '/mcp': {
    post: {
      summary:
        'MCP (Streamable HTTP, stateless): the tools generate_image, edit_image, list_models.',
      security: [...KEY, { key: [] }],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { description: 'A JSON-RPC message.' } } },
      },
      responses: {
        200: {
          description: 'The answer; a stream (progress, then the answer) given a progressToken.',
          content: { 'application/json': {}, 'text/event-stream': {} },
        },
        202: { description: 'Notifications, accepted.' },
        400: { description: 'Not JSON-RPC, or an unknown MCP-Protocol-Version.' },
        ...errors([401]),
        403: { description: 'An Origin that CORS_ORIGINS does not allow.' },
        415: { description: 'Not JSON.' },
      },
    },
    get: {
      summary: 'No stream to open: stateless.',
      security: OPEN,
      responses: { 405: { description: 'POST only.' } },
    },
  },
}
