/**
 * The one thing src takes from workerd's `cloudflare:workers` module (worker-start.ts): the
 * Worker's bindings and variables at module scope. src is typed without
 * @cloudflare/workers-types, whose globals clash with Node's and the DOM's.
 */
declare module 'cloudflare:workers' {
  export const env: Record<string, unknown>
}
