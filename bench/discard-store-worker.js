import { WorkerEntrypoint } from 'cloudflare:workers'

/**
 * A stand-in for the `IMAGES` KV namespace (bench/workerd.ts, BENCH_STORE=discard), bound to
 * both Workers as an RPC service: `put` receives the bytes and keeps nothing. Miniflare's KV
 * simulator spends several ms of the workerd process per 300 KB put (SQLite and blob files),
 * which a deployed Worker does not pay in CPU; without it the figures are the Workers' own.
 */
export default class DiscardStore extends WorkerEntrypoint {
  async put(_key, _value, _options) {}
  async getWithMetadata() {
    return { value: null, metadata: null }
  }
  async delete() {}
  fetch() {
    return new Response('a store that keeps nothing', { status: 404 })
  }
}
