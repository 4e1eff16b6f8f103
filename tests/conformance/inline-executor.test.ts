import { inlineExecutor } from '../../src/index.js'
import { executorConformance } from './executor.js'

executorConformance('inlineExecutor', () => inlineExecutor())
