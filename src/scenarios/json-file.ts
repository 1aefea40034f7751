/**
 * Reads a JSON file a user named (a scenario file, a price list): the content parsed, or one line
 * saying why not, through `fail` so each caller throws its own error kind.
 */
import { readFileSync } from 'node:fs';

/** The parsed JSON of `path`; `fail` gets `<source>: <what went wrong>` (no such file, not JSON, …). */
export function readJsonFile(path: string, source: string, fail: (message: string) => Error): unknown {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw fail(`${source}: ${code === 'ENOENT' ? 'no such file' : 'cannot read'} (${code})`);
  }
  try {
    // A byte-order mark is not JSON, but editors write one.
    return JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (error) {
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw fail(`${source}: not valid JSON: ${firstLine}`);
  }
}
