// esbuild alias target for `better-sqlite3` in the bootstrap bundle: the API's database module imports
// it for its SQLite mode, which the bootstrap (MySQL only) never uses, and native code cannot ship here.
export default function unavailable(): never {
  throw new Error('better-sqlite3 is not bundled into the DB bootstrap Lambda (MySQL only)');
}
