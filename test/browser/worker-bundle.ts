import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Miniflare, type MiniflareOptions } from 'miniflare'
import { unstable_readConfig } from 'wrangler'
import { buildWorker } from '../../scripts/build-worker.ts'

/** A gateway a browser can reach: its origin, and how to stop it. */
export type ServedGateway = { url: string; close(): Promise<void> }

let built: Promise<{ dir: string; outfile: string }> | undefined

/** dist/worker.js, built once per test file into a temporary directory. */
function bundle() {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fluxgate-browser-'))
    const { outfile } = await buildWorker({ outfile: join(dir, 'worker.js') })
    return { dir, outfile }
  })()
  return built
}

/**
 * The built Worker in workerd on 127.0.0.1 and a free port, as deployed (wrangler.jsonc's date
 * and flags, KV bound as `IMAGES`); `env` becomes its variables.
 */
export async function startWorkerBundle(env: Record<string, string> = {}): Promise<ServedGateway> {
  const { dir, outfile } = await bundle()
  const deployed = unstable_readConfig({ config: 'wrangler.jsonc' })
  const mf = new Miniflare({
    modules: true,
    scriptPath: outfile,
    modulesRoot: dir,
    compatibilityDate: deployed.compatibility_date,
    compatibilityFlags: deployed.compatibility_flags,
    kvNamespaces: ['IMAGES'],
    bindings: env,
    host: '127.0.0.1',
    port: 0,
  } as MiniflareOptions)
  const url = await mf.ready
  return { url: url.origin, close: () => mf.dispose() }
}

/** Removes the built bundle; call once the file's gateways are closed. */
export async function removeWorkerBundle(): Promise<void> {
  if (built) await rm((await built).dir, { recursive: true, force: true })
  built = undefined
}
