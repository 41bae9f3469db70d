/**
 * One value per isolate and environment: bindings are stable for the life of
 * an isolate, so what is built from them (config, clients, the router) is built once.
 */
export function oncePerEnv<E extends object, T>(build: (env: E) => T): (env: E) => T {
  const built = new WeakMap<E, T>();
  return (env) => {
    let value = built.get(env);
    if (value === undefined) {
      value = build(env);
      built.set(env, value);
    }
    return value;
  };
}
