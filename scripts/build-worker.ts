import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile, type Plugin } from 'esbuild'
import { workerPackagePatches } from './worker-package-patches.ts'
import { workerSubstitutes } from './worker-substitutes.ts'

/**
 * `npm run build:worker`: the Worker as one self-contained ES module, `dist/worker.js`, that can
 * be pasted into the Cloudflare dashboard editor (README, "Deploy"). Fails on any Node-only
 * import and when the gzipped file is over budget, so neither reaches a deploy unnoticed.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Gzipped bytes allowed for dist/worker.js, GUI included (about 98 kB in use). It was 105 kB for
 * a while after image input, the Responses API, MCP and streamed images arrived together; the
 * build-time changes in worker-substitutes.ts and worker-package-patches.ts brought it back.
 */
export const WORKER_GZIP_BUDGET = 100_000

export type WorkerBuildOptions = {
  /** Default `src/runtime/worker-start.ts`, wrangler.jsonc's `main`. */
  entry?: string
  /** Default `dist/worker.js`. */
  outfile?: string
  /** Gzipped bytes; default WORKER_GZIP_BUDGET. */
  budget?: number
}

export type WorkerBuild = { outfile: string; rawBytes: number; gzipBytes: number; budget: number }

/** Thrown when the bundle is over budget; the file is still written, to be inspected. */
export class WorkerBudgetError extends Error {
  readonly build: WorkerBuild
  constructor(result: WorkerBuild, largest: string[]) {
    super(
      `${describe(result)}: over the budget of ${kB(result.budget)} gzipped.\n` +
        `Largest inputs (minified bytes):\n  ${largest.join('\n  ')}`,
    )
    this.name = 'WorkerBudgetError'
    this.build = result
  }
}

/**
 * Builds the Worker bundle. Rejects with esbuild's error (naming the importer) when a `node:` or
 * bare Node built-in import is reached, and with WorkerBudgetError when over budget.
 */
export async function buildWorker(options: WorkerBuildOptions = {}): Promise<WorkerBuild> {
  const outfile = resolve(ROOT, options.outfile ?? 'dist/worker.js')
  const budget = options.budget ?? WORKER_GZIP_BUDGET
  const { version } = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8'))
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [resolve(ROOT, options.entry ?? 'src/runtime/worker-start.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Wrangler's resolution conditions, so both paths bundle the same package files.
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    // workerd's own module: the bindings at module scope, for building the app at start-up.
    external: ['cloudflare:workers'],
    minify: true,
    charset: 'utf8', // the reply strings in 8 languages stay readable and smaller than \u escapes
    banner: {
      js: `// fluxgate ${version} for Cloudflare Workers: one ES module for the dashboard editor. Bindings and variables: README, "Deploy".`,
    },
    plugins: [rejectNodeImports(), workerSubstitutes(ROOT), workerPackagePatches(ROOT)],
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.contents
  await mkdir(dirname(outfile), { recursive: true })
  await writeFile(outfile, code)
  const built = {
    outfile,
    rawBytes: code.length,
    gzipBytes: gzipSync(code).length,
    budget,
  }
  if (built.gzipBytes > budget) throw new WorkerBudgetError(built, largestInputs(result.metafile))
  return built
}

/**
 * `node:` imports, which workerd only serves with nodejs_compat (off here, as in wrangler.jsonc).
 * A bare built-in (`fs`) fails on its own: with platform `browser` esbuild cannot resolve it.
 */
function rejectNodeImports(): Plugin {
  return {
    name: 'reject-node-imports',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^node:/ }, (args) => ({
        errors: [
          {
            text: `Node-only import '${args.path}' in ${relative(ROOT, args.importer)} reaches the Worker; Workers run without nodejs_compat`,
          },
        ],
      }))
    },
  }
}

/** The 8 inputs that take the most room, packages summed, for a budget failure. */
function largestInputs(metafile: Metafile): string[] {
  const sizes = new Map<string, number>()
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput)
    }
  }
  return [...sizes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, bytes]) => `${kB(bytes).padStart(9)}  ${name}`)
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`

function describe(built: WorkerBuild): string {
  return `${relative(ROOT, built.outfile)}: ${kB(built.rawBytes)} raw, ${kB(built.gzipBytes)} gzipped`
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const built = await buildWorker()
    console.log(`${describe(built)} (budget ${kB(built.budget)} gzipped)`)
  } catch (error) {
    // esbuild's own message lists each error with its file and line.
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
}
