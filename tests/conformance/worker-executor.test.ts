import { workerThreadsExecutor } from '../../src/index.js'
import { executorConformance } from './executor.js'

executorConformance('workerThreadsExecutor', () => workerThreadsExecutor({ size: 2 }))
executorConformance('workerThreadsExecutor (abort: signal)', () => workerThreadsExecutor({ size: 1, abort: 'signal' }))
