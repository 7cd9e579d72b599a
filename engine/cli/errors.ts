import { EngineError } from '../errors';

/** A bad command-line argument. */
export class CliError extends EngineError {
  override name = 'CliError';
}
