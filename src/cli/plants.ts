/** placeholder */
import type { CliIo } from './args.js';
export function plantsCommand(_argv: readonly string[], _io: CliIo): number {
  return 0;
}
