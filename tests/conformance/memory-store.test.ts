import { memoryStore } from '../../src/index.js'
import { runStoreConformance } from './run-store.js'

runStoreConformance('memoryStore', async ({ clock }) => ({ store: memoryStore({ clock }), cleanup: async () => {} }))
