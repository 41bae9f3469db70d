import { Layout } from "./layout.tsx";

interface DocOperation {
  summary: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string }>;
}

/**
 * The OpenAPI document as a page: each route with what it takes and
 * answers, readable without a tool (and without a script from elsewhere,
 * which the CSP wouldn't run anyway).
 */
export function ApiDocsPage({
  document,
}: {
  document: { info: { title: string; description: string }; paths: Record<string, Record<string, unknown>> };
}) {
  return (
    <Layout title={document.info.title}>
      <h1>{document.info.title}</h1>
      <p>{document.info.description}</p>
      <p class="links">
        <a href="/api/openapi.json">The OpenAPI 3.1 document</a> (for code generators, Postman, Bruno...)
      </p>
      {Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, raw]) => {
          const operation = raw as DocOperation;
          const body = operation.requestBody?.content["application/json"]?.schema;
          return (
            <section class="api-operation">
              <h2>
                <code>
                  {method.toUpperCase()} {path}
                </code>
              </h2>
              <p>
                {operation.summary}
                {operation.security ? " (needs the poll's manage token)" : ""}
              </p>
              {operation.description ? <p>{operation.description}</p> : null}
              {body ? (
                <details>
                  <summary>Body (JSON Schema)</summary>
                  <pre>{JSON.stringify(body, null, 2)}</pre>
                </details>
              ) : null}
              <ul>
                {Object.entries(operation.responses).map(([status, answer]) => (
                  <li>
                    <code>{status}</code> {answer.description}
                  </li>
                ))}
              </ul>
            </section>
          );
        }),
      )}
    </Layout>
  );
}
