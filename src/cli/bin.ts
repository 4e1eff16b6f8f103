#!/usr/bin/env node
/**
 * The `weft` executable: runs {@link main} on the process's arguments and exits with its code.
 * @packageDocumentation
 */
import { main } from './main.js'

const code = await main(process.argv.slice(2))
// Exit once the output is flushed, even if an abandoned step body still holds a timer.
const flush = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()))
await Promise.all([flush(process.stdout), flush(process.stderr)])
process.exit(code)
