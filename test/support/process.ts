/** Helpers for tests that run the service as a child process. */
import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { watchServiceAt } from './api-contract.js';

/**
 * Waits for the `integration-backend listening` JSON log line on the child's stdout and
 * returns the URL in it. Rejects if the child exits first, or if the line has not come
 * within `timeoutMs` (the child is killed then); either error ends with `log()`, what the
 * caller has collected of its output. `onLine` sees every stdout line.
 */
export function waitForListening(
  child: ChildProcess,
  opts: { timeoutMs: number; log: () => string; onLine?: (line: string) => void },
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line within ${opts.timeoutMs / 1000} s: ${opts.log()}`));
    }, opts.timeoutMs);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      opts.onLine?.(line);
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string };
        if (j.msg === 'integration-backend listening' && j.url) {
          clearTimeout(timer);
          const url = j.url;
          // From now on its answers are checked against its own /openapi.json too.
          watchServiceAt(url).then(() => resolve(url), reject);
        }
      } catch {
        /* not a log line */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening: ${opts.log()}`));
    });
  });
}
