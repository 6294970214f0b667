import { readFile } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import type { Plugin } from 'esbuild'

/**
 * Package files the Worker bundle takes in another form, to stay inside its gzip budget. Paths
 * are relative to node_modules. The build fails when a file no longer reads as expected (an
 * upgrade moved the code) or when bundled code starts to use what a stub leaves out.
 */

/** Rewritten to the same program, in a form esbuild can tree-shake; `from` must occur once. */
const PATCHED: Record<string, { from: string; to: string; why: string }> = {
  'zod/v4/mini/schemas.js': {
    // `core.util` is zod's util module re-exported as a namespace; reaching it through `core`
    // keeps all of util (about 14 kB minified, 2.4 kB gzipped), while the module's own `util`
    // import is shaken.
    from: 'core.util.constantCatch(',
    to: 'util.constantCatch(',
    why: 'z.catch reaches util through the core namespace',
  },
}

/**
 * Replaced by a stub with the same exports that throws when called: code behind methods that
 * esbuild cannot drop (a class keeps all its methods) and that the Worker never calls. Together
 * about 1.4 kB gzipped. `used` finds a use in the bundle's own source, which fails the build.
 */
const STUBBED: Record<string, { exports: string; used: RegExp; what: string }> = {
  // Hono's deprecated `app.mount()`, for applications of other frameworks.
  'hono/dist/utils/mount.js': {
    exports: 'export const createMountedRequest = () => left("app.mount()")',
    used: /\.mount\(/,
    what: 'app.mount()',
  },
  // `c.req.parseBody()`; the gateway reads bodies with `c.req.formData()`, `text()` and the like.
  'hono/dist/utils/body.js': {
    exports: 'export const parseBody = async () => left("c.req.parseBody()")',
    used: /\.parseBody\(/,
    what: 'c.req.parseBody()',
  },
  // `c.html()` of hono/html or JSX output (a String object); the gateway's pages are strings.
  'hono/dist/utils/html.js': {
    exports:
      'export const HtmlEscapedCallbackPhase = { Stringify: 1, BeforeStream: 2, Stream: 3 }\n' +
      'export const resolveCallback = async () => left("c.html() of hono/html or JSX output")',
    used: /from ['"]hono\/(?:html|jsx)|\braw\(/,
    what: 'hono/html, hono/jsx or raw()',
  },
}

const stub = ({ exports }: { exports: string }) =>
  `const left = (what) => { throw new Error(\`\${what} is left out of the Worker bundle (scripts/worker-package-patches.ts)\`) }\n${exports}\n`

const packageName = (path: string) =>
  /[\\/]node_modules[\\/](.*)$/.exec(path)?.[1]?.replaceAll('\\', '/')

export function workerPackagePatches(root: string): Plugin {
  return {
    name: 'worker-package-patches',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, async ({ path }) => {
        const name = packageName(path)!
        const stubbed = STUBBED[name]
        if (stubbed) return { contents: stub(stubbed), loader: 'js' }
        const patch = PATCHED[name]
        if (!patch) return undefined
        const source = await readFile(path, 'utf8')
        if (source.split(patch.from).length !== 2) {
          const text = `${name}: expected '${patch.from}' once (${patch.why}); update PATCHED in scripts/worker-package-patches.ts`
          return { errors: [{ text }] }
        }
        return { contents: source.replace(patch.from, patch.to), loader: 'js' }
      })
      pluginBuild.onEnd(async (result) => {
        if (!result.metafile) return {}
        const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(root, input))
        const missing = Object.keys(PATCHED)
          .concat(Object.keys(STUBBED))
          .filter((name) => !inputs.some((input) => packageName(input) === name))
        const own = inputs.filter((input) => !packageName(input))
        const texts = await Promise.all(own.map((file) => readFile(file, 'utf8')))
        const errors = missing.map((name) => ({
          text: `${name} is no longer in the Worker bundle: update scripts/worker-package-patches.ts`,
        }))
        for (const { used, what } of Object.values(STUBBED)) {
          own.forEach((file, index) => {
            if (!used.test(texts[index]!)) return
            const text = `${relative(root, file)} uses ${what}, which the Worker bundle leaves out: drop it from STUBBED in scripts/worker-package-patches.ts`
            errors.push({ text })
          })
        }
        return { errors }
      })
    },
  }
}
