/**
 * Vitest global setup: builds what the package ships before any test file runs, so the
 * tests of the bundle (npm start, the CLI, MCP over stdio) and of the package's entry
 * points (dist/src) run the real artefacts, and no two test files build at once.
 * Skipped when dist/ is newer than every source file (a stamp records the last build).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const newestMtime = (dir: string): number => {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
};

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  const stamp = path.join(root, 'dist', '.build-stamp');
  const inputs = Math.max(
    newestMtime(path.join(root, 'src')),
    newestMtime(path.join(root, 'scripts')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => fs.statSync(path.join(root, f)).mtimeMs),
  );
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs > inputs) return;
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
  fs.writeFileSync(stamp, new Date().toISOString());
}
