import { childProcessExecutor } from '../../src/index.js'
import { executorConformance } from './executor.js'

executorConformance('childProcessExecutor', () => childProcessExecutor({ size: 2 }))
executorConformance('childProcessExecutor (abort: signal)', () => childProcessExecutor({ size: 1, abort: 'signal' }))
