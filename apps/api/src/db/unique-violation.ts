/** Whether a database error is a duplicate key on MySQL/MariaDB or a UNIQUE/PRIMARY KEY failure on SQLite. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number };
  return (
    e.code === 'ER_DUP_ENTRY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.errno === 1062
  );
}
