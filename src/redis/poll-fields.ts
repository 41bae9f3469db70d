import {
  DEFAULT_SETTINGS,
  type Poll,
  type PollOption,
  PROTECTIONS,
  type Protection,
  RESULTS_VISIBILITIES,
  type ResultsVisibility,
} from "../domain/polls.ts";

/** How a poll runs, as one JSON field of its hash: only `revision` must be a field of its own (the vote script reads it). */
interface Settings {
  minChoices: number;
  maxChoices: number;
  results: ResultsVisibility;
  revealed: boolean;
  opensAt?: string;
  closesAt?: string;
  protection: Protection;
  countedFrom: number;
  owner?: string;
}

/** A poll as the fields of its Redis hash (both Redis adapters write and read this shape). */
export function pollToFields(poll: Poll): Record<string, string> {
  const settings: Settings = {
    minChoices: poll.minChoices,
    maxChoices: poll.maxChoices,
    results: poll.results,
    revealed: poll.revealed,
    protection: poll.protection,
    countedFrom: poll.countedFrom,
    ...(poll.opensAt ? { opensAt: poll.opensAt } : {}),
    ...(poll.closesAt ? { closesAt: poll.closesAt } : {}),
    ...(poll.ownerTokenHash ? { owner: poll.ownerTokenHash } : {}),
  };
  return {
    question: poll.question,
    options: JSON.stringify(poll.options),
    status: poll.status,
    revision: String(poll.revision),
    settings: JSON.stringify(settings),
  };
}

/**
 * The poll a hash holds; undefined when the hash is missing or not one of
 * ours. A hash written before polls had settings reads as the default ones.
 */
export function pollFromFields(id: string, fields: Record<string, unknown> | null | undefined): Poll | undefined {
  if (!fields || typeof fields.question !== "string" || typeof fields.options !== "string") return undefined;
  const status = fields.status === "closed" ? "closed" : "open";
  try {
    const options = JSON.parse(fields.options) as PollOption[];
    if (!Array.isArray(options)) return undefined;
    const settings = (typeof fields.settings === "string" ? JSON.parse(fields.settings) : {}) as Partial<Settings>;
    return {
      ...DEFAULT_SETTINGS,
      id,
      question: fields.question,
      options,
      status,
      minChoices: Number(settings.minChoices ?? 1),
      maxChoices: Number(settings.maxChoices ?? 1),
      results: RESULTS_VISIBILITIES.includes(settings.results as ResultsVisibility)
        ? (settings.results as ResultsVisibility)
        : "always",
      revealed: settings.revealed === true,
      protection: PROTECTIONS.includes(settings.protection as Protection)
        ? (settings.protection as Protection)
        : "cookie",
      revision: Number(fields.revision ?? 0),
      countedFrom: Number(settings.countedFrom ?? 0),
      ...(settings.opensAt ? { opensAt: settings.opensAt } : {}),
      ...(settings.closesAt ? { closesAt: settings.closesAt } : {}),
      ...(settings.owner ? { ownerTokenHash: settings.owner } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The fields as the arguments of HSET: field, value, field, value... */
export function fieldArgs(poll: Poll): string[] {
  return Object.entries(pollToFields(poll)).flat();
}
