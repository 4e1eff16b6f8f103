/**
 * Where a record sits: the run and the record's position in that run's journal. A codec binds
 * an encoded record to it, so a record cannot be moved to another run or position.
 * @public
 */
export interface CodecContext {
  /** The run the record belongs to. */
  readonly runId: string
  /** The record's position in the run's journal: an event's `seq`, or `0` for a store's header. */
  readonly seq: number
}

/**
 * Turns a journal record's payload (the JSON of one event or header) into what a store writes,
 * and back. Synchronous, so a store can use it per record inside its own write and read loops.
 *
 * Rules every codec keeps (checked by the shared suite in `tests/codec/`):
 * - `decode(encode(p, ctx), ctx)` is `p` (as UTF-8 text), for every string and every context.
 * - `encode` adds no line break or tab of its own (a line-oriented journal stays one line per
 *   record when its plaintext is JSON).
 * - `decode` throws a `CodecKeyError` when the record needs a key the codec does not have (a
 *   store reports it as a configuration problem) and a `CodecAuthenticationError` when the record
 *   is damaged or was tampered with (a store reports it like corruption).
 * @public
 */
export interface PayloadCodec {
  /**
   * Stable name of the encoding (`identity`, `aes-256-gcm`). A store records it with each journal
   * and refuses to open a journal written with another codec.
   */
  readonly id: string
  /** Encodes `plaintext` (text, or its UTF-8 bytes) for the record at `context`. */
  encode(plaintext: Uint8Array | string, context: CodecContext): string
  /** Decodes a record written by `encode` for the same `context`, to UTF-8 text. */
  decode(encoded: string, context: CodecContext): string
  /**
   * Checks, before anything runs, that this codec can read an existing journal: pass one of its
   * records (`sample`, with its context). Throws what `decode` would, without returning the
   * plaintext. A store calls it when it opens (or first reads) a journal.
   * @defaultValue absent: nothing to check
   */
  verify?(sample: string, context: CodecContext): void
}
