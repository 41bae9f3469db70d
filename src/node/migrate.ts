import { loadConfig } from "./config.ts";
import { migrateOrExit } from "./migrations.ts";

// `npm run migrate` and the image's migrate command: apply pending migrations, then exit.
await migrateOrExit(loadConfig("migrate"), "vote-migrate");
console.log("Migrations are up to date.");
