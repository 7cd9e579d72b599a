/**
 * An error the user can act on: a corrupt or unsupported checkpoint, a bad argument, a token id out of range.
 * Its message names the cause (file, tensor, field); the CLI prints it as one line and the JSON-RPC server sends it
 * with `code`. Anything that is not an EngineError is a bug and is reported with its stack.
 */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly code: number = -32003,
  ) {
    super(message);
  }
}
