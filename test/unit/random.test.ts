import { createRandomness } from "../../src/core/random.ts";
import { describeRandomnessContract } from "../contract/ports/randomness.ts";

// WebCrypto's random source needs no service: its contract runs with the unit tests.
describeRandomnessContract("WebCrypto (src/core/random.ts)", createRandomness);
