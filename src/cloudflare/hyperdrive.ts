import postgres from "postgres";

/**
 * A postgres.js client on a Hyperdrive binding, for one piece of work:
 * Hyperdrive pools the real connections, so a Worker opens its own per
 * request and ends it afterwards. Types are not fetched (one round trip less).
 */
export async function withHyperdrive<T>(hyperdrive: Hyperdrive, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(hyperdrive.connectionString, { max: 5, fetch_types: false, prepare: true, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
