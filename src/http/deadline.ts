/**
 * A child signal that aborts when its parent does or when `ms` pass, whichever is first.
 *
 * Built by hand rather than with `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20
 * those reference each other weakly, so a signal that nothing else holds (a call waiting on a
 * plain timer) can be garbage-collected and never fire. Here the timer and the parent's listener
 * hold the controller strongly, and `done()` releases both as soon as the work ends.
 */
export function withTimeout(
  parent: AbortSignal,
  ms: number,
  message = 'The operation timed out',
): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController()
  const forward = () => controller.abort(parent.reason)
  if (parent.aborted) forward()
  else parent.addEventListener('abort', forward, { once: true })
  const timer = setTimeout(() => controller.abort(new DOMException(message, 'TimeoutError')), ms)
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer)
      parent.removeEventListener('abort', forward)
    },
  }
}
