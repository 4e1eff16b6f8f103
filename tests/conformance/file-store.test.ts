import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileStore, type Durability } from '../../src/index.js'
import { runStoreConformance } from './run-store.js'

for (const durability of ['always', 'batch', 'none'] satisfies Durability[]) {
  runStoreConformance(`fileStore (durability: '${durability}')`, async ({ clock }) => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-conformance-'))
    const store = fileStore(dir, { durability, clock })
    return {
      store,
      cleanup: async () => {
        await store.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  })
}
