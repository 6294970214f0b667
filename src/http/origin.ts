/** The origin links should point at: PUBLIC_URL when set (behind a proxy), else the request's. */
export function publicOrigin(request: Request, publicUrl: string | undefined): string {
  return publicUrl ?? new URL(request.url).origin
}

/**
 * Origins whose `/image/{key}` links are this gateway's own, so input images there are read from
 * the store rather than fetched: PUBLIC_URL, and the origin the request itself came in on.
 */
export function ownOrigins(request: Request, publicUrl: string | undefined): string[] {
  const own = new URL(request.url).origin
  return publicUrl && publicUrl !== own ? [publicUrl, own] : [own]
}

/**
 * The origin links point at, then the request's own (the same one when PUBLIC_URL is unset): a
 * door's `origins` for its links and its own `/image/{key}` inputs, the URL parsed once.
 */
export function linkOrigins(request: Request, publicUrl: string | undefined): [string, string] {
  const own = new URL(request.url).origin
  return [publicUrl ?? own, own]
}
