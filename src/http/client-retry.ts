import type { UpstreamFailure } from '../errors.ts'

/**
 * Whether a client may retry a request whose upstream attempts failed this way. Separate from
 * the pool's own failover rule (GatewayError.retryable on each attempt): by the time the client
 * sees an error the gateway has already tried every target, so a client retry only helps when
 * waiting changes the answer and costs nothing. SDKs retry 5xx unless told `x-should-retry:
 * false`, and each retry that reaches an upstream starts another paid generation.
 */
const CLIENT_MAY_RETRY: Record<UpstreamFailure, boolean> = {
  // Turned away before any work began; the 503 says when a target is usable again.
  'rate-limited': true,
  // A retry gets the same answer: disabled keys, content policy, parameters the upstream rejects.
  unauthorized: false,
  refused: false,
  'bad-request': false,
  // The upstream may have accepted (and billed) the job: a 5xx or unreadable reply can come after
  // the image was made, a timeout leaves the job running, a reset can cut off a finished reply.
  server: false,
  timeout: false,
  network: false,
}

/** True when none of the run's failures would make a client retry pay for a second image. */
export function clientMayRetry(failures: readonly UpstreamFailure[]): boolean {
  return failures.every((failure) => CLIENT_MAY_RETRY[failure])
}
