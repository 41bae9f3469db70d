/** A poll: a question and the options a voter can choose from. */
export interface Poll {
  id: string;
  question: string;
  options: readonly PollOption[];
}

export interface PollOption {
  id: string;
  label: string;
}

export const DEFAULT_POLL_ID = "default";

/** Builds the default poll from the two labels the original app took from OPTION_A and OPTION_B. */
export function createDefaultPoll(optionA: string, optionB: string): Poll {
  return {
    id: DEFAULT_POLL_ID,
    question: `${optionA} or ${optionB}?`,
    options: [
      { id: "a", label: optionA },
      { id: "b", label: optionB },
    ],
  };
}

/** The set of polls this deployment serves, looked up by id. */
export interface PollCatalog {
  defaultPoll: Poll;
  find(pollId: string): Poll | undefined;
}

export function createPollCatalog(polls: readonly Poll[]): PollCatalog {
  const [first] = polls;
  if (!first) throw new Error("a poll catalog needs at least one poll");
  const byId = new Map(polls.map((poll) => [poll.id, poll]));
  return { defaultPoll: first, find: (pollId) => byId.get(pollId) };
}

export function hasOption(poll: Poll, optionId: string): boolean {
  return poll.options.some((option) => option.id === optionId);
}
