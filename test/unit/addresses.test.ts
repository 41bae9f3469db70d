import { describe, expect, it } from "vitest";
import { addressKey } from "../../src/domain/addresses.ts";

describe("the address a client is counted by", () => {
  it("is an IPv4 address as it is, also when written IPv4-mapped", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("is an IPv6 address's /64, however it is written, so rotating within it doesn't help", () => {
    const key = "2001:db8:85a3:8d3::/64";
    expect(addressKey("2001:db8:85a3:8d3:1319:8a2e:370:7348")).toBe(key);
    expect(addressKey("2001:0db8:85a3:08d3::1")).toBe(key);
    expect(addressKey("2001:db8:85a3:8d3:ffff::")).toBe(key);
    expect(addressKey("2001:db8:85a3:8d4::1")).not.toBe(key);
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("counts anything unreadable as itself, and no address as 'unknown'", () => {
    expect(addressKey("not:an:address::at:all:1:2:3")).toBe("not:an:address::at:all:1:2:3");
    expect(addressKey(undefined)).toBe("unknown");
  });
});
