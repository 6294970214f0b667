import { type AppDeps, createApp } from './app.ts'
import { loadConfig } from './config.ts'
import type { LogLine } from './middleware/request-log.ts'
import { memoryStorage } from './storage/memory.ts'

/** An app over memory storage with logs captured, for tests; `env` is what loadConfig reads. */
export function testApp(env: Record<string, string> = {}, deps: Partial<AppDeps> = {}) {
  const logs: LogLine[] = []
  const app = createApp({
    config: loadConfig(env),
    storage: memoryStorage(),
    log: (line) => logs.push(line),
    ...deps,
  })
  return Object.assign(app, { logs })
}
