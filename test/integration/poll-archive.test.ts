import { describePollArchiveContract } from "../contract/ports/poll-archive.ts";
import { openPostgresArchive } from "../helpers/port-subjects.ts";

describePollArchiveContract("PostgreSQL (src/postgres/poll-archive.ts)", openPostgresArchive);
