/**
 * An output file of the command line (`--trace`, `--history`, `--html`): opened before the run, so a path
 * that cannot be written is refused in one line before any simulated time is spent, and written
 * in buffered chunks as lines arrive, so a long trace is never held in memory whole.
 *
 * A write that fails later (a full disk) never ends the run: the file stops taking lines, the
 * report is still printed, and `close()` returns one line saying what could not be written.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Characters buffered before a chunk is written. */
const CHUNK_CHARS = 1 << 20;

/** Why an output path cannot be written, in words, from the error code `openSync` gave. */
function openProblem(flag: string, path: string, code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return `the folder ${dirname(path)} does not exist (create it first)`;
    case 'EISDIR':
      return `is a directory; give a file path such as out/${flag === '--html' ? 'report.html' : `${flag.replace(/^-+/, '')}.jsonl`}`;
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return `cannot be opened for writing (${code ?? 'unknown error'})`;
  }
}

/** A file of JSON lines; see the file header. */
export class OutputFile {
  private readonly fd: number;
  private buffer = '';
  private failure: string | undefined;

  /**
   * Opens (creates or truncates) `path`. Throws `invalid(message)` when it cannot: the message
   * names the flag, the path and the problem.
   */
  constructor(
    /** The flag that named the file, e.g. `--trace`. */
    readonly flag: string,
    readonly path: string,
    invalid: (message: string) => Error,
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw invalid(`${flag} ${path}: ${openProblem(flag, path, (error as NodeJS.ErrnoException).code)}`);
    }
  }

  /** Appends one line (a newline is added). */
  line(text: string): void {
    if (this.failure !== undefined) return;
    this.buffer += text + '\n';
    if (this.buffer.length >= CHUNK_CHARS) this.flush();
  }

  /** Writes what is buffered and closes the file; returns a one-line problem, if any write failed. */
  close(): string | undefined {
    this.flush();
    try {
      closeSync(this.fd);
    } catch (error) {
      this.fail(error);
    }
    return this.failure;
  }

  private flush(): void {
    if (this.failure !== undefined || this.buffer === '') return;
    try {
      const bytes = Buffer.from(this.buffer);
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
    } catch (error) {
      this.fail(error);
    }
    this.buffer = '';
  }

  private fail(error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    this.failure ??= `${this.flag} ${this.path}: could not be written (${code}); the file is incomplete`;
  }
}
