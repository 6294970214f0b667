/** The origin links should point at: PUBLIC_URL when set (behind a proxy), else the request's. */
export function publicOrigin(request: Request, publicUrl: string | undefined): string {
  return publicUrl ?? new URL(request.url).origin
}
