import type { Poll, PollOption } from "../domain/polls.ts";

/** A poll as the fields of its Redis hash (both Redis adapters write and read this shape). */
export function pollToFields(poll: Poll): Record<string, string> {
  return { question: poll.question, options: JSON.stringify(poll.options), status: poll.status };
}

/** The poll a hash holds; undefined when the hash is missing or not one of ours. */
export function pollFromFields(id: string, fields: Record<string, unknown> | null | undefined): Poll | undefined {
  if (!fields || typeof fields.question !== "string" || typeof fields.options !== "string") return undefined;
  const status = fields.status === "closed" ? "closed" : "open";
  try {
    const options = JSON.parse(fields.options) as PollOption[];
    return Array.isArray(options) ? { id, question: fields.question, options, status } : undefined;
  } catch {
    return undefined;
  }
}
