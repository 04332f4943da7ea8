// Injected into the bundles by scripts/bundle.mjs: src/adapters/kysely/database.ts calls it
// for better-sqlite3, so the package's JavaScript is bundled (and runs only when the first
// SQLite database is opened) while its native addon stays in node_modules, loaded by path.
// eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef -- esbuild bundles this require(); the file runs only inside a bundle
export const __bundledSqlite = () => require('better-sqlite3');
