import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LogLine } from '../../src/middleware/request-log.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * A client that goes away in the middle of its request body is its own failure, not the
 * gateway's: a 499 `client_closed` on the log line, with no error stack and no 5xx to count.
 */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ RATE_LIMIT: '0' })
})
afterAll(() => gateway.close())

/** Sends `head` and half a body on a raw socket, then closes it; resolves once it is closed. */
function sendHalfAndLeave(head: string, part: string): Promise<void> {
  const { port } = new URL(gateway.url)
  return new Promise((done, fail) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(head + part, () => setImmediate(() => socket.destroy()))
    })
    socket.on('error', fail)
    socket.on('close', () => done())
  })
}

/** Waits until the request log has a line for `path` (the gateway logs when it gives up). */
async function logLineFor(path: string): Promise<LogLine> {
  for (;;) {
    const line = gateway.logs.find((entry) => entry.path === path)
    if (line) return line
    await new Promise((tick) => setTimeout(tick, 10))
  }
}

const body = JSON.stringify({
  prompt: 'a lighthouse at dusk',
  size: '64x64',
  pad: 'x'.repeat(4000),
})

describe('a client that leaves mid-body', () => {
  it('is logged as 499 client_closed, without a stack (Content-Length body)', async () => {
    const errorsBefore = gateway.logs.filter((line) => line.level === 'error').length
    await sendHalfAndLeave(
      'POST /v1/images/generations HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${body.length}\r\n\r\n`,
      body.slice(0, body.length / 2),
    )
    const line = await logLineFor('/v1/images/generations')
    expect(line).toMatchObject({ status: 499, errorCode: 'client_closed' })
    expect(gateway.logs.filter((entry) => entry.level === 'error')).toHaveLength(errorsBefore)
  })

  it('is logged as 499 client_closed, without a stack (chunked body)', async () => {
    const errorsBefore = gateway.logs.filter((line) => line.level === 'error').length
    const half = body.slice(0, body.length / 2)
    await sendHalfAndLeave(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n',
      `${half.length.toString(16)}\r\n${half}\r\n`,
    )
    const line = await logLineFor('/v1/chat/completions')
    expect(line).toMatchObject({ status: 499, errorCode: 'client_closed' })
    expect(gateway.logs.filter((entry) => entry.level === 'error')).toHaveLength(errorsBefore)
  })
})
