import { describe, expect, it } from "vitest";
import { instantFromLocal } from "../../src/http/local-time.ts";

describe("instantFromLocal: a datetime-local field and the writer's offset become an ISO-8601 time", () => {
  it("adds the offset app.js measured, east of UTC in minutes", () => {
    expect(instantFromLocal("2026-12-24T18:00", "60")).toBe("2026-12-24T18:00:00+01:00");
    expect(instantFromLocal("2026-12-24T18:00", "-300")).toBe("2026-12-24T18:00:00-05:00");
    expect(instantFromLocal("2026-12-24T18:00", "330")).toBe("2026-12-24T18:00:00+05:30");
    expect(instantFromLocal("2026-12-24T18:00:30", "0")).toBe("2026-12-24T18:00:30Z");
  });

  it("reads the time as UTC when no script sent an offset, or a nonsense one", () => {
    expect(instantFromLocal("2026-12-24T18:00", undefined)).toBe("2026-12-24T18:00:00Z");
    expect(instantFromLocal("2026-12-24T18:00", "")).toBe("2026-12-24T18:00:00Z");
    expect(instantFromLocal("2026-12-24T18:00", "abc")).toBe("2026-12-24T18:00:00Z");
    expect(instantFromLocal("2026-12-24T18:00", "9999")).toBe("2026-12-24T18:00:00Z");
  });

  it("leaves an empty field out and passes anything else on as typed, to be refused by name", () => {
    expect(instantFromLocal("  ", "60")).toBeUndefined();
    expect(instantFromLocal("tomorrow", "60")).toBe("tomorrow");
  });
});
