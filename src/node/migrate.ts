import { migrateOrExit } from "./migrations.ts";
import { loadConfig } from "./process.ts";

// `npm run migrate` and the image's migrate command: apply pending migrations, then exit.
await migrateOrExit(loadConfig("migrate"), "vote-migrate");
console.log("Migrations are up to date.");
