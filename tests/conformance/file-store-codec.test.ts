import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aesGcmCodec, fileStore, type Durability } from '../../src/index.js'
import { runStoreConformance } from './run-store.js'

// The same suite as file-store.test.ts, with every journal encrypted (AES-256-GCM, two keys).
const keys = { old: randomBytes(32), current: randomBytes(32) }

for (const durability of ['always', 'batch', 'none'] satisfies Durability[]) {
  runStoreConformance(`fileStore with aesGcmCodec (durability: '${durability}')`, async ({ clock }) => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-conformance-codec-'))
    const store = fileStore(dir, { durability, clock, codec: aesGcmCodec({ keys, current: 'current' }) })
    return {
      store,
      cleanup: async () => {
        await store.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  })
}
