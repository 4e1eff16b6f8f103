import { WeftError, type SerializedError } from '../errors/index.js'

/**
 * Data of a {@link MapItemsFailedError}.
 * @public
 */
export interface MapItemsFailedData {
  /** The run. */
  readonly runId: string
  /** The map step. */
  readonly stepId: string
  /** Items that failed for good, in item order, each with its last error. */
  readonly items: readonly { readonly index: number; readonly error: SerializedError }[]
}

/**
 * Items of a map step failed for good (after their retries), so the step failed (its
 * `onItemError` is `'fail'`). Under the run's `failFast` policy this lists the first item that
 * failed; under `continue`, every item that failed once all of them ran. `cause` is the error of
 * the first failed item.
 * @public
 */
export class MapItemsFailedError extends WeftError<MapItemsFailedData> {
  /** Stable code. */
  static readonly code = 'WEFT_MAP_ITEMS_FAILED'
  constructor(data: MapItemsFailedData, cause?: unknown) {
    const n = data.items.length
    const shown = data.items
      .slice(0, 3)
      .map((i) => `#${i.index} (${i.error.message})`)
      .join(', ')
    super(MapItemsFailedError.code, `${n} item${n === 1 ? '' : 's'} of map step "${data.stepId}" failed: ${shown}${n > 3 ? ` and ${n - 3} more` : ''}`, data, { cause })
  }
}
