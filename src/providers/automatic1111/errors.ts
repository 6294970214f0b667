import type { GatewayError } from '../../errors.ts'
import { errorFromReply } from '../upstream-errors.ts'

/**
 * Errors of the AUTOMATIC1111 / Forge API (FastAPI): 401 `{detail}` under `--api-auth`, 404
 * `{detail: "Not Found"}` when the WebUI runs without `--api`, 422 `{detail: [{loc, msg, type}]}`
 * for a bad field, and 500 `{error, detail, body, errors}` from its exception handler (e.g.
 * "CUDA out of memory" in `errors`). A reverse proxy in front may add 429 or 502-504 pages.
 * There is no content refusal: a local WebUI has no moderation.
 */

/** Maps a non-2xx reply to the failure the pool acts on; `key` is masked in any quote. */
export function automatic1111Error(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  const credentials = key
    ? 'the WebUI rejected the credentials'
    : 'the WebUI wants credentials (--api-auth): set the entry\'s keys to ["user:password"]'
  return errorFromReply({ provider, secrets: [key] }, response, text, {
    statuses: {
      401: { what: credentials },
      403: { what: credentials },
      // Not the client's fault: this backend is misconfigured, so let other targets serve.
      404: {
        what: 'no /sdapi/v1/txt2img there',
        note: 'start the WebUI with --api and check the entry\'s "baseUrl"',
      },
      500: { what: 'failed' },
    },
  })
}
