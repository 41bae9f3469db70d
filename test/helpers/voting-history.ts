import type { Ballot } from "../../src/domain/ballots.ts";

/** A deterministic pseudo-random sequence in [0, 1), so a failure can be replayed. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** `items` cut into consecutive batches of the sizes `sizes` gives. */
export function chunk<T>(items: readonly T[], sizes: () => number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const size = Math.max(1, sizes());
    chunks.push(items.slice(i, i + size));
    i += size;
  }
  return chunks;
}

/**
 * Voters who change their minds: every ballot each one ever cast in `poll`
 * (versions 1, 2, ...), and each one's last choice, by voter.
 */
export function votingHistory(
  voters: number,
  changes: number,
  random: () => number,
  options: { poll?: string; choices?: readonly string[] } = {},
) {
  const poll = options.poll ?? "default";
  const choices = options.choices ?? ["a", "b"];
  const ballots: Ballot[] = [];
  const last = new Map<string, string>();
  for (let v = 0; v < voters; v++) {
    const voter = crypto.randomUUID();
    const count = 1 + Math.floor(random() * changes);
    for (let version = 1; version <= count; version++) {
      const choice = choices[Math.floor(random() * choices.length)]!;
      ballots.push({ poll, voter, choices: [choice], version, castAt: new Date().toISOString(), revision: 0 });
      last.set(voter, choice);
    }
  }
  return { ballots, last };
}

/** Every ballot at least once, some twice, in a shuffled order: what an at-least-once, unordered queue delivers. */
export function deliveries(ballots: readonly Ballot[], random: () => number, repeatShare = 0.33): Ballot[] {
  return shuffle([...ballots, ...ballots.filter(() => random() < repeatShare)], random);
}
